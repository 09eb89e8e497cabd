// Polling with a deadline whose failure says what was awaited and what was
// last seen.
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterTimeoutError } from './errors.js';
import { formatDuration } from './progress.js';

export interface PollResult<T> {
  readonly done: boolean;
  readonly value?: T;
  /** What the condition looks like now; goes into the timeout message. */
  readonly detail?: string;
}

export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<PollResult<T>>,
  options: { intervalMs?: number; signal?: AbortSignal; hint?: string } = {},
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  let lastDetail = '';
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const r = await check();
      if (r.done) return r.value;
      lastDetail = r.detail ?? lastDetail;
    } catch (err) {
      lastDetail = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new ClusterTimeoutError(
        `${what} did not happen in ${formatDuration(timeoutMs)}${lastDetail ? `; last seen: ${lastDetail}` : ''}${options.hint ? `; ${options.hint}` : ''}`,
      );
    }
    await sleep(options.intervalMs ?? 500);
  }
}
