// Time as an injected dependency: the pool's idle release and the PING
// keepalive run on it, so tests drive them with a manual clock instead of
// waiting minutes.

export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Runs `fn` once after `ms`; the timer does not keep the process alive. */
  after(ms: number, fn: () => void): TimerHandle;
  /** Runs `fn` every `ms`; the timer does not keep the process alive. */
  every(ms: number, fn: () => void): TimerHandle;
}

export const systemTimers: Timers = {
  now: () => performance.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return {
      cancel: () => {
        clearTimeout(t);
      },
    };
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return {
      cancel: () => {
        clearInterval(t);
      },
    };
  },
};
