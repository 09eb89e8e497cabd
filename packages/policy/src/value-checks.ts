// Checks on individual AuthorizationPolicy values, shared by the fields and
// the `when` keys that take the same kind of value. Each reports through the
// FieldReader with the value's own path and returns what it could parse.

import { describeBadCidr, parseCidr } from './ip.js';
import { indexPath, type FieldReader } from './field-reader.js';
import type { IpBlock, PortValue } from './model.js';

const DIGITS = /^[0-9]+$/;

/** Reports empty strings (upstream: "empty value not allowed"). */
export function checkNonEmpty(reader: FieldReader, path: string, values: readonly string[]): void {
  values.forEach((v, i) => {
    if (v === '') reader.report(indexPath(path, i), 'empty value not allowed');
  });
}

export function readPorts(
  reader: FieldReader,
  path: string,
  values: readonly string[],
): PortValue[] {
  const out: PortValue[] = [];
  values.forEach((text, i) => {
    const port = DIGITS.test(text) ? Number(text) : NaN;
    if (port >= 1 && port <= 65535) out.push({ text, port });
    else reader.report(indexPath(path, i), `"${text}" is not a port (1-65535)`);
  });
  return out;
}

export function readIpBlocks(
  reader: FieldReader,
  path: string,
  values: readonly string[],
): IpBlock[] {
  const out: IpBlock[] = [];
  values.forEach((text, i) => {
    const cidr = parseCidr(text);
    if (cidr) out.push({ text, cidr });
    else reader.report(indexPath(path, i), describeBadCidr(text));
  });
  return out;
}

const MAX_SERVICE_ACCOUNTS = 16;
const MAX_SERVICE_ACCOUNT_LENGTH = 320;

/** `sa` or `ns/sa`, literal (no wildcards), at most 16 values of 320 characters. */
export function checkServiceAccounts(
  reader: FieldReader,
  path: string,
  values: readonly string[],
): void {
  if (values.length > MAX_SERVICE_ACCOUNTS) {
    reader.report(path, `may not have more than ${MAX_SERVICE_ACCOUNTS} values`);
  }
  values.forEach((value, i) => {
    const at = indexPath(path, i);
    const format = `expected format 'serviceAccount' or 'namespace/serviceAccount', found "${value}"`;
    if (value.includes('*')) reader.report(at, `wildcard not allowed, found "${value}"`);
    else if (value.length > MAX_SERVICE_ACCOUNT_LENGTH) {
      reader.report(at, `value cannot exceed ${MAX_SERVICE_ACCOUNT_LENGTH} characters`);
    } else if (value.split('/').length > 2) reader.report(at, format);
    else {
      const [ns, sa] = value.includes('/') ? value.split('/') : [undefined, value];
      if (ns === '' || sa === '') reader.report(at, format);
    }
  });
}

/** At most one `*`, and only as the whole value or at its start or end. */
export function checkWildcardValues(
  reader: FieldReader,
  path: string,
  values: readonly string[],
): void {
  values.forEach((value, i) => {
    const stars = value.split('*').length - 1;
    if (stars > 1) {
      reader.report(indexPath(path, i), `at most one wildcard is allowed, found "${value}"`);
    } else if (stars === 1 && value !== '*' && !value.startsWith('*') && !value.endsWith('*')) {
      reader.report(
        indexPath(path, i),
        `wildcard is only allowed at the start or end, found "${value}"`,
      );
    }
  });
}

export function checkTrustDomains(
  reader: FieldReader,
  path: string,
  values: readonly string[],
): void {
  checkWildcardValues(reader, path, values);
  values.forEach((value, i) => {
    if (value.includes('/')) {
      reader.report(indexPath(path, i), `trust domain must not contain '/', found "${value}"`);
    }
  });
}

export const MATCH_ONE_TEMPLATE = '{*}';
export const MATCH_ANY_TEMPLATE = '{**}';
/** RFC 3986 pchar, as Envoy's URI templates accept for literal segments. */
export const PATH_LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

export function containsPathTemplate(value: string): boolean {
  return value.includes(MATCH_ONE_TEMPLATE) || value.includes(MATCH_ANY_TEMPLATE);
}

/** `{*}` and `{**}` only as whole segments, `{**}` last, literals of pchar. */
export function checkPathTemplates(
  reader: FieldReader,
  path: string,
  values: readonly string[],
): void {
  values.forEach((value, i) => {
    const at = indexPath(path, i);
    const isTemplate = containsPathTemplate(value);
    let sawMatchAny = false;
    for (const segment of value.replace(/^\/+|\/+$/g, '').split('/')) {
      if (segment === MATCH_ONE_TEMPLATE || segment === MATCH_ANY_TEMPLATE) {
        if (sawMatchAny) {
          reader.report(at, `invalid path template "${value}": {**} is not the last operator`);
          return;
        }
        sawMatchAny = segment === MATCH_ANY_TEMPLATE;
        continue;
      }
      if (segment.includes('{') || segment.includes('}')) {
        reader.report(
          at,
          `invalid path "${value}": contains '{' or '}' beyond a supported path template`,
        );
        return;
      }
      if (isTemplate && !PATH_LITERAL.test(segment)) {
        reader.report(
          at,
          `invalid path template "${value}": segment "${segment}" is not a valid literal`,
        );
        return;
      }
    }
  });
}
