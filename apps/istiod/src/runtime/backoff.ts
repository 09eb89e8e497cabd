// Retry pacing for everything istiod does against the API server (watches,
// status writes, reconciles): exponential with "equal jitter", so a fleet of
// retries after an apiserver restart does not arrive in lockstep.

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Watches and writes: 500 ms doubling to 30 s. */
export const KUBE_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/** Delay before retry `attempt` (0-based), uniformly in [d/2, d]; `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: Backoff, random: () => number): number {
  const exponential = policy.initialMs * 2 ** Math.min(Math.max(attempt, 0), 30);
  const capped = Math.min(policy.maxMs, exponential);
  return Math.round(capped / 2 + (random() * capped) / 2);
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
