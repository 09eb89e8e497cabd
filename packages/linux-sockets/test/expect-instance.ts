import { expect } from 'vitest';

/** Asserts that `value` is an instance of `type` and returns it narrowed. */
export function expectInstance<T>(value: unknown, type: abstract new (...args: never[]) => T): T {
  expect(value).toBeInstanceOf(type);
  if (!(value instanceof type)) throw new Error('unreachable: toBeInstanceOf passed');
  return value;
}

/** The rejection reason of a promise that must reject. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
