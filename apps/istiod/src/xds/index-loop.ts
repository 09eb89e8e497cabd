// Runs the ambient index: a store event schedules one flush (on the next
// macrotask, so a relist of thousands of objects becomes one flush), whose
// changes go to the xDS store, the status writer and the log.

import type { AmbientIndex, IndexChange } from '../ambient/ambient-index.js';
import type { Logger } from '../runtime/logger.js';

export interface IndexLoopOptions {
  readonly index: AmbientIndex;
  readonly logger: Logger;
  readonly onChange: (change: IndexChange) => void;
  /** Schedules the flush; default setImmediate. */
  readonly schedule?: (run: () => void) => void;
}

export class IndexLoop {
  private scheduled = false;
  private closed = false;

  constructor(private readonly options: IndexLoopOptions) {}

  /** Call when a store event dirtied the index. */
  readonly poke = (): void => {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    (this.options.schedule ?? setImmediate)(() => {
      this.scheduled = false;
      this.flushNow();
    });
  };

  /** Flushes synchronously (also used once at startup after the caches synced). */
  flushNow(): IndexChange | undefined {
    if (this.closed) return undefined;
    const change = this.options.index.flush();
    for (const w of change.warnings) this.options.logger.warn({ object: w.object }, w.message);
    this.options.onChange(change);
    return change;
  }

  close(): void {
    this.closed = true;
  }
}
