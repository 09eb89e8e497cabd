// Readiness as upstream reports it: a set of named tasks that each must clear.
// GET /healthz/ready → 200 "ready\n", or 500 "not ready, pending: <tasks>\n".

export class Readiness {
  readonly #pending = new Set<string>();

  /** Registers a task that blocks readiness until cleared. */
  block(task: string): void {
    this.#pending.add(task);
  }

  clear(task: string): void {
    this.#pending.delete(task);
  }

  set(task: string, ready: boolean): void {
    if (ready) this.clear(task);
    else this.block(task);
  }

  get ready(): boolean {
    return this.#pending.size === 0;
  }

  pending(): string[] {
    return [...this.#pending].sort();
  }
}
