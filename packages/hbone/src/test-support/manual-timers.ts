// A hand-driven clock for tests of idle release and PING keepalive.

import type { TimerHandle, Timers } from '../timers.js';

interface Scheduled {
  at: number;
  every: number | undefined;
  fn: () => void;
  cancelled: boolean;
}

export class ManualTimers implements Timers {
  #now = 0;
  #scheduled: Scheduled[] = [];

  now(): number {
    return this.#now;
  }

  after(ms: number, fn: () => void): TimerHandle {
    return this.#add({ at: this.#now + ms, every: undefined, fn, cancelled: false });
  }

  every(ms: number, fn: () => void): TimerHandle {
    return this.#add({ at: this.#now + ms, every: ms, fn, cancelled: false });
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.#scheduled.filter((s) => !s.cancelled).length;
  }

  /** Moves the clock forward, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#scheduled
        .filter((s) => !s.cancelled && s.at <= end)
        .sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#now = due.at;
      if (due.every === undefined) due.cancelled = true;
      else due.at += due.every;
      due.fn();
    }
    this.#now = end;
    this.#scheduled = this.#scheduled.filter((s) => !s.cancelled);
  }

  #add(s: Scheduled): TimerHandle {
    this.#scheduled.push(s);
    return { cancel: () => (s.cancelled = true) };
  }
}
