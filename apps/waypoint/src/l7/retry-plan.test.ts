// retry_on tokens as Envoy reads them, and the jittered exponential backoff.

import { describe, expect, it } from 'vitest';
import { retryPlan } from './retry-plan.js';
import type { AttemptOutcome } from './types.js';

const plan = (retryOn: string[], retriableStatusCodes: number[] = [], backoffBaseMs = 25) =>
  retryPlan({ attempts: 2, retryOn, retriableStatusCodes, backoffBaseMs });

const OUTCOMES: Readonly<Record<string, AttemptOutcome>> = {
  '500': { status: 500 },
  '502': { status: 502 },
  '503': { status: 503 },
  '504': { status: 504 },
  '409': { status: 409 },
  '429': { status: 429 },
  '200': { status: 200 },
  reset: { error: 'reset' },
  'connect-failure': { error: 'connect-failure' },
  'refused-stream': { error: 'refused-stream' },
  timeout: { error: 'timeout' },
  'grpc 1': { status: 200, grpcStatus: 1 },
  'grpc 4': { status: 200, grpcStatus: 4 },
  'grpc 8': { status: 200, grpcStatus: 8 },
  'grpc 13': { status: 200, grpcStatus: 13 },
  'grpc 14': { status: 200, grpcStatus: 14 },
  'grpc 2': { status: 200, grpcStatus: 2 },
};

/** Which outcomes each token retries; every other outcome must not be retried. */
const RETRIES: readonly [string, readonly string[]][] = [
  ['5xx', ['500', '502', '503', '504', 'reset', 'connect-failure', 'refused-stream', 'timeout']],
  ['gateway-error', ['502', '503', '504', 'reset', 'connect-failure', 'refused-stream', 'timeout']],
  ['reset', ['reset', 'connect-failure', 'refused-stream']],
  ['connect-failure', ['connect-failure']],
  ['refused-stream', ['refused-stream']],
  ['retriable-4xx', ['409']],
  ['cancelled', ['grpc 1']],
  ['deadline-exceeded', ['grpc 4']],
  ['resource-exhausted', ['grpc 8']],
  ['internal', ['grpc 13']],
  ['unavailable', ['grpc 14']],
];

describe('retry_on', () => {
  it.each(RETRIES)('%s retries exactly %j', (token, retried) => {
    const p = plan([token]);
    const actual = Object.entries(OUTCOMES)
      .filter(([, o]) => p.shouldRetry(o))
      .map(([name]) => name);
    expect(actual).toEqual(retried);
  });

  it('retriable-status-codes retries the listed codes only, and only with the token', () => {
    expect(plan(['retriable-status-codes'], [429, 503]).shouldRetry({ status: 429 })).toBe(true);
    expect(plan(['retriable-status-codes'], [429]).shouldRetry({ status: 503 })).toBe(false);
    expect(plan([], [429]).shouldRetry({ status: 429 })).toBe(false);
  });

  it('no tokens retry nothing', () => {
    const p = plan([]);
    expect(Object.values(OUTCOMES).some((o) => p.shouldRetry(o))).toBe(false);
  });
});

describe('backoff', () => {
  it('is uniform in [0, (2^n − 1) · base)', () => {
    const p = plan(['5xx'], [], 25);
    expect(p.backoffMs(1, () => 0)).toBe(0);
    expect(p.backoffMs(1, () => 0.999)).toBe(24);
    expect(p.backoffMs(2, () => 0.5)).toBe(37);
    expect(p.backoffMs(3, () => 0.5)).toBe(87);
  });

  it('is capped at ten times the base', () => {
    const p = plan(['5xx'], [], 100);
    expect(p.backoffMs(10, () => 0.999)).toBe(999);
    expect(p.backoffMs(1000, () => 0.999)).toBe(999);
  });

  it('reads retry numbers below 1 as the first retry', () => {
    expect(plan(['5xx']).backoffMs(0, () => 0.999)).toBe(24);
  });
});
