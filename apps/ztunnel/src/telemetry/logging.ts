// Logging: pino underneath, one child logger per scope (`access`, `xds`,
// `inpod`, …) whose level follows RUST_LOG-style directives
// (`info,access:debug`) that /logging can change at run time. Two formats:
// JSON (default) and upstream's plain text,
//   <RFC3339 UTC, microseconds>Z<TAB><level><TAB><scope><TAB><message><TAB>k=v k=v …
// where addresses and numbers are bare and every other value is quoted.

import { Writable } from 'node:stream';
import { pino, type Logger as PinoLogger } from 'pino';

export type LevelName = 'off' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const LEVELS: readonly LevelName[] = ['off', 'error', 'warn', 'info', 'debug', 'trace'];
const PINO_LEVEL: Record<LevelName, string> = {
  off: 'silent',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  trace: 'trace',
};

/** The logging surface components receive (pino loggers fit it). */
export interface Logger {
  error(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  debug(fields: object, msg: string): void;
  isLevelEnabled(level: 'debug' | 'info'): boolean;
}

export class LogDirectiveError extends Error {
  override readonly name = 'LogDirectiveError';
}

export interface Directives {
  readonly defaultLevel: LevelName;
  readonly scopes: ReadonlyMap<string, LevelName>;
}

/** Parses `info`, `access:debug`, `warn,xds:debug,access=info`. */
export function parseDirectives(text: string): Directives {
  let defaultLevel: LevelName = 'info';
  const scopes = new Map<string, LevelName>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(?:([\w.-]+)[:=])?(\w+)$/.exec(part);
    const level = m?.[2]?.toLowerCase() as LevelName | undefined;
    if (!m || !level || !LEVELS.includes(level)) {
      throw new LogDirectiveError(
        `"${part}" is not a level or scope:level (levels: ${LEVELS.join(', ')})`,
      );
    }
    if (m[1]) scopes.set(m[1], level);
    else defaultLevel = level;
  }
  return { defaultLevel, scopes };
}

export function formatDirectives(d: Directives): string {
  return [d.defaultLevel, ...[...d.scopes].map(([s, l]) => `${s}:${l}`)].join(',');
}

function microTimestamp(): string {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  const micros = Math.floor((ms - whole) * 1000);
  return new Date(whole).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
}

const BARE_KEYS = /(^|[._])addr$/;

/** One plain-text line from a pino JSON record. */
export function plainLine(record: Record<string, unknown>): string {
  const { level, time, scope, message, ...fields } = record;
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => {
      if (typeof v === 'number' || typeof v === 'boolean') return `${k}=${v}`;
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      return BARE_KEYS.test(k) ? `${k}=${s}` : `${k}=${JSON.stringify(s)}`;
    })
    .join(' ');
  const text = (v: unknown): string =>
    typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  return [text(time), text(level), text(scope), text(message), kv].join('\t');
}

class PlainDestination extends Writable {
  constructor(private readonly out: NodeJS.WritableStream) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      try {
        this.out.write(plainLine(JSON.parse(line) as Record<string, unknown>) + '\n');
      } catch {
        this.out.write(line + '\n');
      }
    }
    cb();
  }
}

export interface LogManagerOptions {
  readonly format: 'json' | 'plain';
  readonly directives: string;
  /** Default stdout. */
  readonly destination?: NodeJS.WritableStream;
}

export class LogManager {
  readonly #root: PinoLogger;
  readonly #initial: Directives;
  #directives: Directives;
  readonly #scopes = new Map<string, PinoLogger>();

  constructor(o: LogManagerOptions) {
    this.#initial = parseDirectives(o.directives);
    this.#directives = this.#initial;
    const out = o.destination ?? process.stdout;
    const dest = o.format === 'plain' ? new PlainDestination(out) : out;
    this.#root = pino(
      {
        level: 'trace',
        base: null,
        messageKey: 'message',
        timestamp: () => `,"time":"${microTimestamp()}"`,
        formatters: { level: (label) => ({ level: label }) },
      },
      dest,
    );
  }

  /** A logger for one scope, whose level follows the directives. */
  scope(name: string): Logger {
    let l = this.#scopes.get(name);
    if (!l) {
      l = this.#root.child({ scope: name });
      l.level = PINO_LEVEL[this.#levelOf(name)];
      this.#scopes.set(name, l);
    }
    return l;
  }

  get directives(): string {
    return formatDirectives(this.#directives);
  }

  /** Adds directives on top of the current ones (POST /logging?level=…). */
  apply(text: string): void {
    const d = parseDirectives(text);
    const scopes = new Map(this.#directives.scopes);
    for (const [k, v] of d.scopes) scopes.set(k, v);
    const hasDefault = text.split(',').some((p) => !/[:=]/.test(p) && p.trim());
    this.#set({
      defaultLevel: hasDefault ? d.defaultLevel : this.#directives.defaultLevel,
      scopes,
    });
  }

  reset(): void {
    this.#set(this.#initial);
  }

  flush(): void {
    this.#root.flush();
  }

  #set(d: Directives): void {
    this.#directives = d;
    for (const [name, l] of this.#scopes) l.level = PINO_LEVEL[this.#levelOf(name)];
  }

  #levelOf(scope: string): LevelName {
    return this.#directives.scopes.get(scope) ?? this.#directives.defaultLevel;
  }
}
