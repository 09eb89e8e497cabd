// Field-level checks shared by the listener and route compilers. Each check
// throws ListenerRejectedError naming the proto field path, so the NACK says
// exactly what istiod sent that this waypoint cannot execute.

import { stringMatchFromProto, type L7StringMatcher } from '@ambient-ts/policy';
import type { waypoint } from '@ambient-ts/xds-types';
import type { Duration } from '@bufbuild/protobuf/wkt';
import { ListenerRejectedError } from './errors.js';

/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const MAX_DURATION_SECONDS = 315_576_000_000n;

export class ListenerReader {
  constructor(readonly resource: string) {}

  fail(field: string, detail: string): never {
    throw new ListenerRejectedError(this.resource, field, detail);
  }

  stringMatch(m: waypoint.StringMatch | undefined, field: string): L7StringMatcher {
    if (!m) return this.fail(field, 'must be set');
    const read = stringMatchFromProto(m);
    return 'error' in read ? this.fail(field, read.error) : read;
  }

  port(port: number, field: string): void {
    if (port < 1 || port > 65535) this.fail(field, `${port} is not a port (1-65535)`);
  }

  backend(b: waypoint.Backend | undefined, field: string): waypoint.Backend {
    if (!b) return this.fail(field, 'must be set');
    if (b.namespace === '') this.fail(`${field}.namespace`, 'must not be empty');
    if (b.hostname === '') this.fail(`${field}.hostname`, 'must not be empty');
    this.port(b.port, `${field}.port`);
    return b;
  }

  weightedBackends(list: readonly waypoint.WeightedBackend[], field: string): void {
    list.forEach((wb, i) => {
      const at = `${field}[${i}]`;
      // Unset backend: istiod's placeholder for an unresolvable backendRef (answers 500).
      if (wb.backend) this.backend(wb.backend, `${at}.backend`);
      this.headerModifier(wb.requestHeaders, `${at}.request_headers`);
      this.headerModifier(wb.responseHeaders, `${at}.response_headers`);
    });
  }

  /** Envoy refuses to modify pseudo-headers and `host`; values must not split a header. */
  headerModifier(m: waypoint.HeaderModifier | undefined, field: string): void {
    if (!m) return;
    const name = (n: string, at: string): void => {
      if (n === 'host' || n.startsWith(':')) {
        this.fail(at, `${JSON.stringify(n)}: pseudo-headers and host may not be modified`);
      }
      if (!TOKEN.test(n)) this.fail(at, `${JSON.stringify(n)} is not a lower-case header name`);
    };
    for (const [list, key] of [
      [m.set, 'set'],
      [m.add, 'add'],
    ] as const) {
      list.forEach((h, i) => {
        name(h.name, `${field}.${key}[${i}].name`);
        if (/[\r\n\0]/.test(h.value)) {
          this.fail(`${field}.${key}[${i}].value`, 'contains CR, LF or NUL');
        }
      });
    }
    m.remove.forEach((n, i) => {
      name(n, `${field}.remove[${i}]`);
    });
  }

  /** Whole milliseconds, rounded up so a positive duration never becomes "none"; 0 when unset. */
  durationMs(d: Duration | undefined, field: string): number {
    if (!d) return 0;
    if (d.seconds < 0n || d.nanos < 0 || d.nanos > 999_999_999) {
      this.fail(field, 'must be a non-negative duration');
    }
    if (d.seconds > MAX_DURATION_SECONDS) this.fail(field, 'is longer than 10000 years');
    return Number(d.seconds) * 1000 + Math.ceil(d.nanos / 1_000_000);
  }

  /** Unset means all (100). */
  percent(p: waypoint.Percent | undefined, field: string): number {
    if (!p) return 100;
    if (!Number.isFinite(p.value) || p.value < 0 || p.value > 100) {
      this.fail(`${field}.value`, `${p.value} is not a percentage in [0, 100]`);
    }
    return p.value;
  }

  status(code: number, field: string, allowed: (c: number) => boolean, what: string): number {
    if (!allowed(code)) this.fail(field, `${code} is not ${what}`);
    return code;
  }
}
