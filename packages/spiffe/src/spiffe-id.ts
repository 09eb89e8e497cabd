// SPIFFE IDs by the rules of spiffe/spiffe standards/SPIFFE-ID.md (see
// README "Rules enforced"). Parsing is strict and hand-rolled rather than
// going through WHATWG URL, because URL normalises exactly the things the spec
// says must be rejected (percent-encoding, dot segments, case, ports).

export type TrustDomain = string & { readonly __brand: 'TrustDomain' };

export interface SpiffeId {
  readonly uri: string;
  readonly trustDomain: TrustDomain;
  /** '' for the trust domain's own ID, otherwise starts with '/'. */
  readonly path: string;
  /** Set only for the Istio form `/ns/<ns>/sa/<sa>`. */
  readonly namespace?: string;
  readonly serviceAccount?: string;
}

/** Which rule of the SPIFFE ID spec an input broke. */
export type SpiffeIdRule =
  | 'EMPTY'
  | 'TOO_LONG'
  | 'SCHEME'
  | 'TRUST_DOMAIN_EMPTY'
  | 'TRUST_DOMAIN_TOO_LONG'
  | 'TRUST_DOMAIN_CHARS'
  | 'USERINFO'
  | 'PORT'
  | 'QUERY'
  | 'FRAGMENT'
  | 'PERCENT_ENCODING'
  | 'NUL_BYTE'
  | 'EMPTY_SEGMENT'
  | 'DOT_SEGMENT'
  | 'TRAILING_SLASH'
  | 'SEGMENT_CHARS'
  | 'NOT_ISTIO_FORM';

export class SpiffeIdError extends Error {
  override readonly name = 'SpiffeIdError';
  constructor(
    readonly rule: SpiffeIdRule,
    readonly input: string,
    detail: string,
  ) {
    super(`invalid SPIFFE ID ${JSON.stringify(clip(input))}: ${detail} (rule ${rule})`);
  }
}

/** SPIFFE-ID.md §2.3: implementations must accept up to 2048 bytes; we reject beyond. */
export const MAX_SPIFFE_ID_BYTES = 2048;
/** SPIFFE-ID.md §2.1: the trust domain is at most 255 bytes. */
export const MAX_TRUST_DOMAIN_BYTES = 255;
const SCHEME_PREFIX = 'spiffe://';

const TRUST_DOMAIN_CHARS = /^[a-z0-9._-]+$/;
const SEGMENT_CHARS = /^[a-zA-Z0-9._-]+$/;

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function checkTrustDomain(td: string, input: string): TrustDomain {
  if (td.length === 0) {
    throw new SpiffeIdError('TRUST_DOMAIN_EMPTY', input, 'the trust domain is empty');
  }
  if (td.includes('@')) {
    throw new SpiffeIdError(
      'USERINFO',
      input,
      'userinfo ("user@") is not allowed before the trust domain',
    );
  }
  if (td.includes(':')) {
    throw new SpiffeIdError(
      'PORT',
      input,
      'a port (or IPv6 literal) is not allowed in the trust domain',
    );
  }
  checkCommonChars(td, input);
  if (Buffer.byteLength(td) > MAX_TRUST_DOMAIN_BYTES) {
    throw new SpiffeIdError(
      'TRUST_DOMAIN_TOO_LONG',
      input,
      `the trust domain is ${Buffer.byteLength(td)} bytes, more than ${MAX_TRUST_DOMAIN_BYTES}`,
    );
  }
  if (!TRUST_DOMAIN_CHARS.test(td)) {
    const upper = /[A-Z]/.test(td) ? '; it must be lowercase' : '';
    throw new SpiffeIdError(
      'TRUST_DOMAIN_CHARS',
      input,
      `the trust domain ${JSON.stringify(clip(td))} may contain only [a-z0-9._-]${upper}`,
    );
  }
  return td as TrustDomain;
}

/** Characters that are wrong anywhere, reported with their own rule. */
function checkCommonChars(part: string, input: string): void {
  if (part.includes('\0')) {
    throw new SpiffeIdError('NUL_BYTE', input, 'it contains a NUL byte');
  }
  if (part.includes('%')) {
    throw new SpiffeIdError('PERCENT_ENCODING', input, 'percent-encoding is not allowed');
  }
}

function checkPath(path: string, input: string): void {
  if (path === '') return;
  checkCommonChars(path, input);
  if (path.endsWith('/')) {
    throw new SpiffeIdError('TRAILING_SLASH', input, 'the path must not end with "/"');
  }
  // path starts with '/', so the first split element is the empty prefix.
  for (const segment of path.split('/').slice(1)) {
    if (segment === '') {
      throw new SpiffeIdError('EMPTY_SEGMENT', input, 'the path has an empty segment ("//")');
    }
    if (segment === '.' || segment === '..') {
      throw new SpiffeIdError('DOT_SEGMENT', input, `the path has a "${segment}" segment`);
    }
    if (!SEGMENT_CHARS.test(segment)) {
      throw new SpiffeIdError(
        'SEGMENT_CHARS',
        input,
        `path segment ${JSON.stringify(clip(segment))} may contain only [a-zA-Z0-9._-]`,
      );
    }
  }
}

function build(uri: string, trustDomain: TrustDomain, path: string): SpiffeId {
  const istio = /^\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(path);
  if (istio) {
    return Object.freeze({ uri, trustDomain, path, namespace: istio[1], serviceAccount: istio[2] });
  }
  return Object.freeze({ uri, trustDomain, path });
}

/** Parses any valid SPIFFE ID (including the trust domain's own ID, path ''). */
export function parseSpiffeId(uri: string): SpiffeId {
  if (typeof uri !== 'string') {
    throw new SpiffeIdError('EMPTY', '', 'it is not a string');
  }
  if (uri.length === 0) {
    throw new SpiffeIdError('EMPTY', uri, 'it is empty');
  }
  if (Buffer.byteLength(uri) > MAX_SPIFFE_ID_BYTES) {
    throw new SpiffeIdError(
      'TOO_LONG',
      uri,
      `it is ${Buffer.byteLength(uri)} bytes, more than ${MAX_SPIFFE_ID_BYTES}`,
    );
  }
  if (!uri.startsWith(SCHEME_PREFIX)) {
    throw new SpiffeIdError('SCHEME', uri, 'it must start with "spiffe://" (lowercase scheme)');
  }
  if (uri.includes('?')) {
    throw new SpiffeIdError('QUERY', uri, 'a query ("?") is not allowed');
  }
  if (uri.includes('#')) {
    throw new SpiffeIdError('FRAGMENT', uri, 'a fragment ("#") is not allowed');
  }
  const rest = uri.slice(SCHEME_PREFIX.length);
  const slash = rest.indexOf('/');
  const td = checkTrustDomain(slash === -1 ? rest : rest.slice(0, slash), uri);
  const path = slash === -1 ? '' : rest.slice(slash);
  checkPath(path, uri);
  return build(uri, td, path);
}

/**
 * Parses a trust domain name (`cluster.local`). A `spiffe://td` form without
 * a path is accepted too, as go-spiffe does.
 */
export function parseTrustDomain(td: string): TrustDomain {
  if (typeof td === 'string' && td.startsWith(SCHEME_PREFIX)) {
    const id = parseSpiffeId(td);
    if (id.path !== '') {
      throw new SpiffeIdError('SEGMENT_CHARS', td, 'a trust domain must not have a path');
    }
    return id.trustDomain;
  }
  if (typeof td !== 'string' || td.length === 0) {
    throw new SpiffeIdError(
      'TRUST_DOMAIN_EMPTY',
      typeof td === 'string' ? td : '',
      'the trust domain is empty',
    );
  }
  if (td.includes('/')) {
    throw new SpiffeIdError('TRUST_DOMAIN_CHARS', td, 'the trust domain must not contain "/"');
  }
  if (td.includes('?')) throw new SpiffeIdError('QUERY', td, 'a query ("?") is not allowed');
  if (td.includes('#')) throw new SpiffeIdError('FRAGMENT', td, 'a fragment ("#") is not allowed');
  return checkTrustDomain(td, td);
}

/** Builds and validates an ID from a trust domain and a path ('' or '/a/b'). */
export function spiffeIdFromPath(trustDomain: string, path: string): SpiffeId {
  const td = parseTrustDomain(trustDomain);
  if (path !== '' && !path.startsWith('/')) {
    throw new SpiffeIdError('SEGMENT_CHARS', path, 'the path must be empty or start with "/"');
  }
  return parseSpiffeId(`${SCHEME_PREFIX}${td}${path}`);
}

/** `spiffe://<td>/ns/<ns>/sa/<sa>`, the Istio workload identity. */
export function istioIdentity(
  trustDomain: string,
  namespace: string,
  serviceAccount: string,
): SpiffeId {
  const td = parseTrustDomain(trustDomain);
  for (const [what, value] of [
    ['namespace', namespace],
    ['service account', serviceAccount],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) {
      throw new SpiffeIdError(
        'EMPTY_SEGMENT',
        typeof value === 'string' ? value : '',
        `the ${what} is empty`,
      );
    }
    if (value.includes('/')) {
      // Would silently produce a different (non-Istio) path.
      throw new SpiffeIdError(
        'SEGMENT_CHARS',
        value,
        `the ${what} must be a single path segment (no "/")`,
      );
    }
  }
  return parseSpiffeId(`${SCHEME_PREFIX}${td}/ns/${namespace}/sa/${serviceAccount}`);
}

/** Parses and requires the Istio form; throws rule NOT_ISTIO_FORM otherwise. */
export function parseIstioIdentity(
  uri: string,
): SpiffeId & { namespace: string; serviceAccount: string } {
  const id = parseSpiffeId(uri);
  if (id.namespace === undefined || id.serviceAccount === undefined) {
    throw new SpiffeIdError(
      'NOT_ISTIO_FORM',
      uri,
      'the path must be /ns/<namespace>/sa/<service-account>',
    );
  }
  return id as SpiffeId & { namespace: string; serviceAccount: string };
}

export function formatSpiffeId(id: SpiffeId): string {
  return id.uri;
}

export function sameSpiffeId(a: SpiffeId, b: SpiffeId): boolean {
  return a.uri === b.uri;
}
