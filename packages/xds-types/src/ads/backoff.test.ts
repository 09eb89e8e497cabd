import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

describe('reconnect backoff', () => {
  it("doubles from ztunnel's 10 ms", () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, DEFAULT_BACKOFF, top))).toEqual([
      10, 20, 40, 80,
    ]);
  });

  it('is capped at 15 s however many attempts failed', () => {
    expect(backoffDelay(40, DEFAULT_BACKOFF, () => 0.999999)).toBe(15_000);
    expect(backoffDelay(1_000, DEFAULT_BACKOFF, () => 0.999999)).toBe(15_000);
  });

  it('jitters between half and the full delay', () => {
    const policy = { initialMs: 100, maxMs: 10_000 };
    expect(backoffDelay(2, policy, () => 0)).toBe(200);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(300);
    expect(backoffDelay(2, policy, () => 0.999999)).toBe(400);
  });
});
