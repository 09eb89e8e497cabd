// Continuous traffic while a component restarts: one call at a time, a short
// pause between calls, every outcome recorded with its start time, so the
// scenario can tell failures before a component was Ready again from
// failures after (which must not happen for new connections).
import { setTimeout as sleep } from 'node:timers/promises';

export interface CallOutcome {
  readonly ok: boolean;
  /** Why it failed (or a short success note), for assertion messages. */
  readonly detail: string;
}

export interface CallRecord extends CallOutcome {
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface TrafficSummary {
  readonly total: number;
  readonly failedBeforeReady: number;
  readonly okAfterReady: number;
  /** Calls started once the component was Ready again that failed. */
  readonly failedAfterReady: readonly CallRecord[];
}

export function summarizeTraffic(records: readonly CallRecord[], readyAt: number): TrafficSummary {
  const after = records.filter((r) => r.startedAt >= readyAt);
  return {
    total: records.length,
    failedBeforeReady: records.filter((r) => r.startedAt < readyAt && !r.ok).length,
    okAfterReady: after.filter((r) => r.ok).length,
    failedAfterReady: after.filter((r) => !r.ok),
  };
}

export class TrafficLoop {
  readonly #records: CallRecord[] = [];
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;

  constructor(
    private readonly call: () => Promise<CallOutcome>,
    private readonly pauseMs = 250,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.#running ??= this.#loop();
  }

  get records(): readonly CallRecord[] {
    return this.#records;
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const startedAt = this.clock();
      let outcome: CallOutcome;
      try {
        outcome = await this.call();
      } catch (err) {
        outcome = { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
      this.#records.push({ ...outcome, startedAt, endedAt: this.clock() });
      await sleep(this.pauseMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Stops after the call in flight and returns every record. */
  async stop(): Promise<readonly CallRecord[]> {
    this.#abort.abort();
    await this.#running;
    return this.#records;
  }
}
