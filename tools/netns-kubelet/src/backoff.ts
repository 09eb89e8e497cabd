// CrashLoopBackOff timing as kubelet does it: the first restart after a crash is immediate, then
// 10 s, doubling up to 5 minutes; a container that ran for twice the maximum starts afresh.

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Restarts counted toward back-off: reset to 0 when the last run was long enough. */
export function nextBackoffCount(policy: BackoffPolicy, count: number, lastRunMs: number): number {
  return lastRunMs >= 2 * policy.maxMs ? 0 : count;
}

/** Delay before a restart, given how many back-off restarts preceded it. */
export function restartDelay(policy: BackoffPolicy, count: number): number {
  if (count <= 0) return 0;
  return Math.min(policy.initialMs * 2 ** Math.min(count - 1, 30), policy.maxMs);
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** Whether a container that exited with `exitCode` is started again. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/**
 * Retry delay for pod setup steps (sandbox, volumes, container config): 1 s doubling to 30 s,
 * so a ConfigMap or Secret created a little later (istiod's root cert) is picked up quickly.
 */
export function setupRetryDelay(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(attempt - 1, 0), 30_000);
}
