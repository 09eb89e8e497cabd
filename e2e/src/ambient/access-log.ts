// Reads ztunnel's log as users grep it (reference/ztunnel.md §5): JSON lines
// (LOG_FORMAT=json, keys level, time, scope, message, then the fields) or
// upstream's plain text (`<time>\t<level>\t<scope>\t<message>\tk=v k="v" …`),
// and picks out the `connection complete` access-log lines. Pure.

export type FieldValue = string | number | boolean;

export interface LogRecord {
  readonly level: string;
  readonly time: string | undefined;
  readonly scope: string | undefined;
  readonly message: string;
  readonly fields: Readonly<Record<string, FieldValue>>;
}

/** One `connection complete` line, with the fields the scenario asserts on. */
export interface ConnectionLine {
  readonly level: string;
  readonly time: string | undefined;
  readonly direction: 'inbound' | 'outbound';
  readonly srcAddr: string;
  readonly dstAddr: string;
  readonly hboneAddr: string | undefined;
  readonly srcWorkload: string | undefined;
  readonly dstWorkload: string | undefined;
  readonly dstService: string | undefined;
  readonly srcIdentity: string | undefined;
  readonly dstIdentity: string | undefined;
  readonly error: string | undefined;
  /** The line as logged, for messages and the demo's printout. */
  readonly raw: string;
}

export const CONNECTION_COMPLETE = 'connection complete';

const KV = /([A-Za-z_][\w.]*)=("(?:[^"\\]|\\.)*"|\S*)/g;

function plainValue(text: string): FieldValue {
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text.slice(1, -1);
    }
  }
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

function parsePlain(line: string): LogRecord | undefined {
  const parts = line.split('\t');
  if (parts.length < 4) return undefined;
  const [time, level, scope, message, ...rest] = parts;
  const fields: Record<string, FieldValue> = {};
  for (const m of rest.join('\t').matchAll(KV)) fields[m[1] ?? ''] = plainValue(m[2] ?? '');
  return { level: level ?? '', time, scope, message: message ?? '', fields };
}

function parseJson(line: string): LogRecord | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const { level, time, scope, message, msg, ...rest } = obj as Record<string, unknown>;
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  return {
    level: str(level) ?? '',
    time: str(time),
    scope: str(scope),
    message: str(message) ?? str(msg) ?? '',
    fields,
  };
}

/** Every line that is a ztunnel log record (JSON or plain); other lines are skipped. */
export function parseZtunnelLog(text: string): { record: LogRecord; raw: string }[] {
  const out: { record: LogRecord; raw: string }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const record = line.startsWith('{') ? parseJson(line) : parsePlain(line);
    if (record) out.push({ record, raw: line });
  }
  return out;
}

function str(fields: Readonly<Record<string, FieldValue>>, key: string): string | undefined {
  const v = fields[key];
  return v === undefined ? undefined : String(v);
}

/** The `connection complete` lines of a ztunnel log. */
export function connectionLines(text: string): ConnectionLine[] {
  const out: ConnectionLine[] = [];
  for (const { record: r, raw } of parseZtunnelLog(text)) {
    if (r.message !== CONNECTION_COMPLETE) continue;
    const direction = str(r.fields, 'direction');
    if (direction !== 'inbound' && direction !== 'outbound') continue;
    out.push({
      level: r.level,
      time: r.time,
      direction,
      srcAddr: str(r.fields, 'src.addr') ?? '',
      dstAddr: str(r.fields, 'dst.addr') ?? '',
      hboneAddr: str(r.fields, 'dst.hbone_addr'),
      srcWorkload: str(r.fields, 'src.workload'),
      dstWorkload: str(r.fields, 'dst.workload'),
      dstService: str(r.fields, 'dst.service'),
      srcIdentity: str(r.fields, 'src.identity'),
      dstIdentity: str(r.fields, 'dst.identity'),
      error: str(r.fields, 'error'),
      raw,
    });
  }
  return out;
}

/** "10.244.0.5:9080" → "10.244.0.5"; "[fd00::5]:80" → "fd00::5". */
export function hostOf(addr: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(addr);
  if (v6) return v6[1] ?? '';
  const i = addr.lastIndexOf(':');
  return i > 0 && addr.indexOf(':') === i ? addr.slice(0, i) : addr;
}
