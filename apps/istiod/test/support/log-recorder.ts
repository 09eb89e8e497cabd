// Keeps what istiod logs, so a test can assert that bad input was reported
// (a warning naming the object) and that nothing failed internally.

import type { Logger } from '../../src/runtime/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  readonly component: string;
  readonly level: LogLevel;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly message: string;
}

export class LogRecorder {
  readonly entries: LogEntry[] = [];

  /** A per-component logger, in the shape istiod's `logger` option takes. */
  readonly logger = (component: string): Logger => {
    const record =
      (level: LogLevel) =>
      (fields: Record<string, unknown>, message: string): void => {
        this.entries.push({ component, level, fields, message });
      };
    return {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
  };

  /** Warnings the ambient index logged about one object (`Kind/namespace/name`). */
  warningsAbout(object: string): string[] {
    return this.entries
      .filter((e) => e.level === 'warn' && e.fields.object === object)
      .map((e) => e.message);
  }

  /** Entries from index `from` on that mean istiod itself misbehaved, not its input. */
  internalErrors(from = 0): LogEntry[] {
    return this.entries
      .slice(from)
      .filter((e) => e.level === 'error' || e.message.startsWith('internal error'));
  }
}
