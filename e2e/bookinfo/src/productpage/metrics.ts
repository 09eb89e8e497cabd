// productpage's one application metric, `request_result` (calls to details, reviews and
// ratings by response code), in the text format Python's prometheus_client writes: a
// counter family `request_result_total` plus a `request_result_created` gauge family.

const HELP = 'Results of requests';

interface Series {
  readonly app: string;
  readonly code: number;
  count: number;
  readonly createdSeconds: number;
}

export class RequestResultCounter {
  readonly #series = new Map<string, Series>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  inc(app: string, code: number): void {
    const key = `${app}\u0000${code}`;
    const s = this.#series.get(key);
    if (s) s.count += 1;
    else this.#series.set(key, { app, code, count: 1, createdSeconds: this.#now() / 1000 });
  }

  count(app: string, code: number): number {
    return this.#series.get(`${app}\u0000${code}`)?.count ?? 0;
  }

  render(): string {
    const labels = (s: Series): string =>
      `{destination_app="${escapeLabel(s.app)}",response_code="${s.code}"}`;
    const series = [...this.#series.values()];
    let out = `# HELP request_result_total ${HELP}\n# TYPE request_result_total counter\n`;
    for (const s of series) out += `request_result_total${labels(s)} ${goFloat(s.count)}\n`;
    if (series.length > 0) {
      out += `# HELP request_result_created ${HELP}\n# TYPE request_result_created gauge\n`;
      for (const s of series) {
        out += `request_result_created${labels(s)} ${goFloat(s.createdSeconds)}\n`;
      }
    }
    return out;
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * prometheus_client's float formatting: Python's repr (so integers keep a ".0"), switching
 * to an exponent once there are more than six digits before the point, as Go does.
 */
export function goFloat(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  const repr = Number.isInteger(v) && Math.abs(v) < 1e16 ? `${v}.0` : String(v);
  const dot = repr.indexOf('.');
  if (v > 0 && dot > 6) {
    const digits = `${repr.slice(1, dot)}${repr.slice(dot + 1)}`.replace(/[0.]+$/, '');
    const mantissa = digits === '' ? repr.slice(0, 1) : `${repr.slice(0, 1)}.${digits}`;
    return `${mantissa}e+0${dot - 1}`;
  }
  return repr;
}
