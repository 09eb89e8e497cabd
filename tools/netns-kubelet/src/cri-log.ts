// Container logs in the CRI log format kubelet reads ("<RFC3339Nano> <stream> <P|F> <text>"),
// and the log query options the apiserver passes through (tailLines, sinceSeconds,
// timestamps, limitBytes).

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  readonly time: string;
  readonly timeMs: number;
  readonly stream: LogStream;
  readonly partial: boolean;
  readonly text: string;
}

/** RFC3339 with nanoseconds, as CRI runtimes write (Node has milliseconds; padded). */
export function rfc3339Nano(ms: number, extraNanos = 0): string {
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  const nanos = String(extraNanos).padStart(6, '0').slice(0, 6);
  return `${iso.slice(0, 23)}${nanos}Z`;
}

export function formatEntry(
  time: string,
  stream: LogStream,
  partial: boolean,
  text: string,
): string {
  return `${time} ${stream} ${partial ? 'P' : 'F'} ${text}\n`;
}

export function parseEntry(line: string): LogEntry | undefined {
  const m = /^(\S+) (stdout|stderr) ([PF]) (.*)$/s.exec(line);
  if (!m) return undefined;
  const time = m[1] ?? '';
  const timeMs = Date.parse(time);
  if (Number.isNaN(timeMs)) return undefined;
  return { time, timeMs, stream: m[2] as LogStream, partial: m[3] === 'P', text: m[4] ?? '' };
}

/**
 * Splits a stream's output into CRI lines: complete lines end in "F"; a line longer than
 * maxLine is cut into "P" pieces. Returns the lines and the unterminated rest.
 */
export function splitOutput(
  buffered: string,
  chunk: string,
  maxLine = 16 * 1024,
): { lines: { text: string; partial: boolean }[]; rest: string } {
  let data = buffered + chunk;
  const lines: { text: string; partial: boolean }[] = [];
  for (;;) {
    const nl = data.indexOf('\n');
    if (nl < 0) break;
    let line = data.slice(0, nl);
    data = data.slice(nl + 1);
    while (line.length > maxLine) {
      lines.push({ text: line.slice(0, maxLine), partial: true });
      line = line.slice(maxLine);
    }
    lines.push({ text: line, partial: false });
  }
  while (data.length > maxLine) {
    lines.push({ text: data.slice(0, maxLine), partial: true });
    data = data.slice(maxLine);
  }
  return { lines, rest: data };
}

export interface LogQuery {
  readonly tailLines?: number;
  readonly sinceMs?: number;
  readonly timestamps: boolean;
  readonly limitBytes?: number;
}

/** How the apiserver's query parameters read: /containerLogs/ns/pod/c?tailLines=10&timestamps=true… */
export function parseLogQuery(
  params: URLSearchParams,
  now: number,
): LogQuery & { follow: boolean; previous: boolean } {
  const int = (k: string): number | undefined => {
    const v = params.get(k);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  const bool = (k: string): boolean => params.get(k) === 'true' || params.get(k) === '1';
  const sinceSeconds = int('sinceSeconds');
  const sinceTime = params.get('sinceTime');
  const sinceMs =
    sinceSeconds !== undefined
      ? now - sinceSeconds * 1000
      : sinceTime
        ? Date.parse(sinceTime)
        : undefined;
  const tailLines = int('tailLines');
  const limitBytes = int('limitBytes');
  return {
    follow: bool('follow'),
    previous: bool('previous'),
    timestamps: bool('timestamps'),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(sinceMs !== undefined && !Number.isNaN(sinceMs) ? { sinceMs } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}

/** Entries a query selects from a file's lines (sinceTime, then the last tailLines). */
export function selectEntries(fileText: string, q: LogQuery): LogEntry[] {
  let entries = fileText
    .split('\n')
    .map(parseEntry)
    .filter((e): e is LogEntry => e !== undefined);
  if (q.sinceMs !== undefined) {
    const since = q.sinceMs;
    entries = entries.filter((e) => e.timeMs >= since);
  }
  if (q.tailLines !== undefined) {
    // Counted in full lines: a partial piece belongs to the next full line.
    let full = 0;
    let start = entries.length;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (!entries[i]?.partial) {
        if (full === q.tailLines) break;
        full++;
      }
      start = i;
    }
    entries = q.tailLines === 0 ? [] : entries.slice(start);
  }
  return entries;
}

/** The bytes kubectl receives for entries: text joined back into lines, optionally timestamped. */
export function renderEntries(
  entries: readonly LogEntry[],
  timestamps: boolean,
  atLineStart = true,
): { out: string; atLineStart: boolean } {
  let out = '';
  let lineStart = atLineStart;
  for (const e of entries) {
    if (timestamps && lineStart) out += `${e.time} `;
    out += e.text;
    if (!e.partial) out += '\n';
    lineStart = !e.partial;
  }
  return { out, atLineStart: lineStart };
}
