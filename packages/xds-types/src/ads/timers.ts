/** A scheduled callback that can be cancelled. */
export interface ScheduledTimer {
  cancel(): void;
}

/** The clock the xDS runtime schedules with (debounce, reconnect backoff). */
export interface Timers {
  schedule(callback: () => void, delayMs: number): ScheduledTimer;
}

/** Timers backed by the Node event loop. */
export const systemTimers: Timers = {
  schedule(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    return {
      cancel() {
        clearTimeout(handle);
      },
    };
  },
};
