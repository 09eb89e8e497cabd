interface Waiter<E> {
  readonly predicate: (event: E) => boolean;
  readonly resolve: (event: E) => void;
}

/**
 * Collects events and lets a test wait for one, by content rather than by
 * time: `await log.waitFor((e) => e.kind === 'ready')`. Vitest's test timeout
 * is the only clock involved.
 */
export class EventLog<E> {
  readonly events: E[] = [];
  private readonly waiters = new Set<Waiter<E>>();

  readonly push = (event: E): void => {
    this.events.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(event)) {
        this.waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  };

  /** Position to pass to waitFor/since to consider only later events. */
  mark(): number {
    return this.events.length;
  }

  since(from: number): E[] {
    return this.events.slice(from);
  }

  /** The first event at or after `from` matching `predicate`, now or when it arrives. */
  waitFor<S extends E>(predicate: (event: E) => event is S, from?: number): Promise<S>;
  waitFor(predicate: (event: E) => boolean, from?: number): Promise<E>;
  waitFor(predicate: (event: E) => boolean, from = 0): Promise<E> {
    const existing = this.events.slice(from).find(predicate);
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise((resolve) => {
      this.waiters.add({ predicate, resolve });
    });
  }

  /** Resolves once `count` events at or after `from` match. */
  async waitForCount(predicate: (event: E) => boolean, count: number, from = 0): Promise<E[]> {
    for (;;) {
      const matching = this.events.slice(from).filter(predicate);
      if (matching.length >= count) return matching;
      const last = this.events.length;
      await this.waitFor(predicate, last);
    }
  }
}
