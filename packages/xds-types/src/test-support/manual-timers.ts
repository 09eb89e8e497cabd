import type { ScheduledTimer, Timers } from '../ads/timers.js';

interface Entry {
  readonly callback: () => void;
  readonly delayMs: number;
  cancelled: boolean;
}

/** Timers that fire only when the test says so, for deterministic reconnect tests. */
export class ManualTimers implements Timers {
  private readonly entries: Entry[] = [];

  schedule(callback: () => void, delayMs: number): ScheduledTimer {
    const entry: Entry = { callback, delayMs, cancelled: false };
    this.entries.push(entry);
    return {
      cancel() {
        entry.cancelled = true;
      },
    };
  }

  /** Delays of the timers still waiting, in scheduling order. */
  pendingDelays(): number[] {
    return this.entries.filter((e) => !e.cancelled).map((e) => e.delayMs);
  }

  /** Fires every waiting timer once. */
  fireAll(): void {
    const due = this.entries.splice(0).filter((e) => !e.cancelled);
    for (const entry of due) entry.callback();
  }
}
