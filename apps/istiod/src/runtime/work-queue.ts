// A keyed work queue for controllers: adding a key that is already queued is
// a no-op, a key is never processed by two workers at once, and a failed key
// is retried with backoff (a newer add() still runs it promptly).

import { backoffDelay, KUBE_BACKOFF, type Backoff } from './backoff.js';
import { errorMessage, type Logger } from './logger.js';

export interface WorkQueueOptions {
  readonly name: string;
  readonly process: (key: string) => Promise<void>;
  readonly logger: Logger;
  readonly concurrency?: number;
  readonly backoff?: Backoff;
  readonly random?: () => number;
}

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly active = new Set<string>();
  private readonly dirtyWhileActive = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private running = 0;
  private closed = false;

  constructor(private readonly options: WorkQueueOptions) {}

  add(key: string): void {
    if (this.closed) return;
    const timer = this.retryTimers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.retryTimers.delete(key);
    }
    if (this.active.has(key)) {
      this.dirtyWhileActive.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  /** Resolves when nothing is queued, running or waiting to retry. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    this.order.length = 0;
    this.queued.clear();
    this.checkIdle();
  }

  private isIdle(): boolean {
    return this.order.length === 0 && this.running === 0 && this.retryTimers.size === 0;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private pump(): void {
    const max = this.options.concurrency ?? 1;
    while (this.running < max && this.order.length > 0 && !this.closed) {
      const key = this.order.shift();
      if (key === undefined) break;
      this.queued.delete(key);
      this.active.add(key);
      this.running += 1;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.options.process(key);
      this.failures.delete(key);
    } catch (error) {
      const attempt = this.failures.get(key) ?? 0;
      this.failures.set(key, attempt + 1);
      const delay = backoffDelay(
        attempt,
        this.options.backoff ?? KUBE_BACKOFF,
        this.options.random ?? Math.random,
      );
      this.options.logger.warn(
        { queue: this.options.name, key, error: errorMessage(error), retryInMs: delay },
        'reconcile failed; will retry',
      );
      if (!this.closed) {
        this.retryTimers.set(
          key,
          setTimeout(() => {
            this.retryTimers.delete(key);
            this.add(key);
          }, delay),
        );
      }
    } finally {
      this.active.delete(key);
      this.running -= 1;
      if (this.dirtyWhileActive.delete(key)) this.add(key);
      this.pump();
      this.checkIdle();
    }
  }
}
