import { describe, expect, it } from 'vitest';
import { nextBackoffCount, restartDelay, setupRetryDelay, shouldRestart } from './backoff.js';

const policy = { initialMs: 10_000, maxMs: 300_000 };

describe('CrashLoopBackOff', () => {
  it('restarts at once the first time, then 10 s doubling to 5 minutes', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 40].map((n) => restartDelay(policy, n))).toEqual([
      0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
  });
  it('forgets the back-off after a run of twice the maximum', () => {
    expect(nextBackoffCount(policy, 5, 599_999)).toBe(5);
    expect(nextBackoffCount(policy, 5, 600_000)).toBe(0);
  });
  it('retries pod setup steps from 1 s, doubling to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(setupRetryDelay)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
  it('restarts per restartPolicy', () => {
    expect(shouldRestart('Always', 0)).toBe(true);
    expect(shouldRestart('OnFailure', 0)).toBe(false);
    expect(shouldRestart('OnFailure', 1)).toBe(true);
    expect(shouldRestart('Never', 1)).toBe(false);
  });
});
