import { describe, expect, it } from 'vitest';
import {
  formatSpiffeId,
  istioIdentity,
  parseIstioIdentity,
  parseSpiffeId,
  parseTrustDomain,
  spiffeIdFromPath,
  SpiffeIdError,
  type SpiffeIdRule,
} from './spiffe-id.js';

const td255 = `${'a'.repeat(251)}.com`; // 255 bytes
const td256 = `${'a'.repeat(252)}.com`;
// 'spiffe://example.org' is 20 bytes; fill the path up to exactly 2048.
const maxLengthId = `spiffe://example.org/${'a'.repeat(2048 - 21)}`;

const valid: readonly [string, string, string][] = [
  // [input, trust domain, path]
  ['spiffe://cluster.local/ns/default/sa/bookinfo', 'cluster.local', '/ns/default/sa/bookinfo'],
  ['spiffe://example.org', 'example.org', ''],
  ['spiffe://example.org/workload', 'example.org', '/workload'],
  ['spiffe://a/b', 'a', '/b'],
  ['spiffe://my_trust-domain.example-1.org/x', 'my_trust-domain.example-1.org', '/x'],
  ['spiffe://127.0.0.1/ip-looking-trust-domain', '127.0.0.1', '/ip-looking-trust-domain'],
  ['spiffe://example.org/Path.With-Mixed_Case.09', 'example.org', '/Path.With-Mixed_Case.09'],
  ['spiffe://example.org/a/b/c/d/e/f', 'example.org', '/a/b/c/d/e/f'],
  ['spiffe://example.org/...', 'example.org', '/...'],
  ['spiffe://example.org/.hidden/..x', 'example.org', '/.hidden/..x'],
  [`spiffe://${td255}/x`, td255, '/x'],
  [maxLengthId, 'example.org', maxLengthId.slice('spiffe://example.org'.length)],
];

const invalid: readonly [string, string, SpiffeIdRule][] = [
  // [why, input, rule]
  ['empty string', '', 'EMPTY'],
  ['missing scheme', 'cluster.local/ns/a/sa/b', 'SCHEME'],
  ['http scheme', 'http://example.org/x', 'SCHEME'],
  ['uppercase scheme', 'SPIFFE://example.org/x', 'SCHEME'],
  ['single slash after scheme', 'spiffe:/example.org/x', 'SCHEME'],
  ['empty trust domain', 'spiffe:///path', 'TRUST_DOMAIN_EMPTY'],
  ['nothing after scheme', 'spiffe://', 'TRUST_DOMAIN_EMPTY'],
  ['uppercase trust domain', 'spiffe://Example.org/x', 'TRUST_DOMAIN_CHARS'],
  ['space in trust domain', 'spiffe://exa mple.org/x', 'TRUST_DOMAIN_CHARS'],
  ['plus in trust domain', 'spiffe://exa+mple.org/x', 'TRUST_DOMAIN_CHARS'],
  ['non-ASCII trust domain', 'spiffe://exämple.org/x', 'TRUST_DOMAIN_CHARS'],
  ['trust domain of 256 bytes', `spiffe://${td256}/x`, 'TRUST_DOMAIN_TOO_LONG'],
  ['port', 'spiffe://example.org:8080/x', 'PORT'],
  ['IPv6 literal', 'spiffe://[::1]/x', 'PORT'],
  ['userinfo', 'spiffe://user@example.org/x', 'USERINFO'],
  ['user and password', 'spiffe://user:pw@example.org/x', 'USERINFO'],
  ['query', 'spiffe://example.org/x?a=b', 'QUERY'],
  ['query on trust domain', 'spiffe://example.org?x', 'QUERY'],
  ['fragment', 'spiffe://example.org/x#frag', 'FRAGMENT'],
  ['percent-encoded path', 'spiffe://example.org/a%20b', 'PERCENT_ENCODING'],
  ['percent-encoded slash', 'spiffe://example.org/ns%2Fdefault', 'PERCENT_ENCODING'],
  ['percent-encoded trust domain', 'spiffe://exa%41mple.org/x', 'PERCENT_ENCODING'],
  ['NUL in path', 'spiffe://example.org/a\0b', 'NUL_BYTE'],
  ['NUL in trust domain', 'spiffe://example.org\0evil/x', 'NUL_BYTE'],
  ['root path only', 'spiffe://example.org/', 'TRAILING_SLASH'],
  ['trailing slash', 'spiffe://example.org/ns/a/', 'TRAILING_SLASH'],
  ['empty segment', 'spiffe://example.org/ns//sa', 'EMPTY_SEGMENT'],
  ['leading double slash', 'spiffe://example.org//x', 'EMPTY_SEGMENT'],
  ['dot segment', 'spiffe://example.org/ns/./sa', 'DOT_SEGMENT'],
  ['dot-dot segment', 'spiffe://example.org/ns/../sa', 'DOT_SEGMENT'],
  ['final dot-dot', 'spiffe://example.org/x/..', 'DOT_SEGMENT'],
  ['space in path', 'spiffe://example.org/a b', 'SEGMENT_CHARS'],
  ['colon in path', 'spiffe://example.org/a:b', 'SEGMENT_CHARS'],
  ['tilde in path', 'spiffe://example.org/~user', 'SEGMENT_CHARS'],
  ['non-ASCII path', 'spiffe://example.org/ns/dëfault', 'SEGMENT_CHARS'],
  ['2049 bytes', `${maxLengthId}a`, 'TOO_LONG'],
];

describe('SPIFFE ID parsing (SPIFFE-ID.md rules)', () => {
  it.each(valid)('accepts %s', (input, trustDomain, path) => {
    const id = parseSpiffeId(input);
    expect(id.uri).toBe(input);
    expect(id.trustDomain).toBe(trustDomain);
    expect(id.path).toBe(path);
    expect(formatSpiffeId(id)).toBe(input);
  });

  it.each(invalid)('rejects %s with rule %s', (_why, input, rule) => {
    let caught: unknown;
    try {
      parseSpiffeId(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpiffeIdError);
    expect((caught as SpiffeIdError).rule).toBe(rule);
    expect((caught as SpiffeIdError).message).toContain(`rule ${rule}`);
  });

  it('covers at least 30 spec rows', () => {
    expect(valid.length + invalid.length).toBeGreaterThanOrEqual(30);
  });

  it('reads namespace and service account only from the Istio form', () => {
    const istio = parseSpiffeId('spiffe://cluster.local/ns/bookinfo/sa/productpage');
    expect(istio.namespace).toBe('bookinfo');
    expect(istio.serviceAccount).toBe('productpage');
    for (const other of [
      'spiffe://cluster.local/ns/bookinfo',
      'spiffe://cluster.local/ns/a/sa/b/extra',
      'spiffe://cluster.local/sa/b/ns/a',
      'spiffe://cluster.local',
    ]) {
      const id = parseSpiffeId(other);
      expect(id.namespace).toBeUndefined();
      expect(id.serviceAccount).toBeUndefined();
    }
  });

  it('returns frozen values', () => {
    expect(Object.isFrozen(parseSpiffeId('spiffe://td/x'))).toBe(true);
  });
});

describe('Istio identities', () => {
  it('builds spiffe://<td>/ns/<ns>/sa/<sa>', () => {
    const id = istioIdentity('cluster.local', 'default', 'sleep');
    expect(id.uri).toBe('spiffe://cluster.local/ns/default/sa/sleep');
    expect(id.namespace).toBe('default');
    expect(id.serviceAccount).toBe('sleep');
    expect(id.trustDomain).toBe('cluster.local');
  });

  it.each([
    ['empty namespace', 'cluster.local', '', 'sa', 'EMPTY_SEGMENT'],
    ['empty service account', 'cluster.local', 'ns', '', 'EMPTY_SEGMENT'],
    ['slash in namespace', 'cluster.local', 'a/b', 'sa', 'SEGMENT_CHARS'],
    ['dot-dot service account', 'cluster.local', 'ns', '..', 'DOT_SEGMENT'],
    ['bad trust domain', 'Cluster.Local', 'ns', 'sa', 'TRUST_DOMAIN_CHARS'],
    ['percent in namespace', 'cluster.local', 'a%2F', 'sa', 'PERCENT_ENCODING'],
  ] as const)('rejects %s', (_why, td, ns, sa, rule) => {
    expect(() => istioIdentity(td, ns, sa)).toThrow(expect.objectContaining({ rule }) as Error);
  });

  it('parseIstioIdentity requires the Istio form', () => {
    expect(parseIstioIdentity('spiffe://td/ns/a/sa/b').serviceAccount).toBe('b');
    expect(() => parseIstioIdentity('spiffe://td/workload')).toThrow(
      expect.objectContaining({ rule: 'NOT_ISTIO_FORM' }) as Error,
    );
  });
});

describe('trust domains', () => {
  it('accepts bare names and spiffe://td', () => {
    expect(parseTrustDomain('cluster.local')).toBe('cluster.local');
    expect(parseTrustDomain('spiffe://cluster.local')).toBe('cluster.local');
  });

  it.each([
    ['', 'TRUST_DOMAIN_EMPTY'],
    ['Cluster.local', 'TRUST_DOMAIN_CHARS'],
    ['cluster.local/ns', 'TRUST_DOMAIN_CHARS'],
    ['cluster.local:443', 'PORT'],
    ['u@cluster.local', 'USERINFO'],
    [td256, 'TRUST_DOMAIN_TOO_LONG'],
    ['spiffe://cluster.local/ns/a', 'SEGMENT_CHARS'],
  ] as const)('rejects %j with %s', (input, rule) => {
    expect(() => parseTrustDomain(input)).toThrow(expect.objectContaining({ rule }) as Error);
  });

  it('builds IDs from a trust domain and path', () => {
    expect(spiffeIdFromPath('td', '/a/b').uri).toBe('spiffe://td/a/b');
    expect(spiffeIdFromPath('td', '').uri).toBe('spiffe://td');
    expect(() => spiffeIdFromPath('td', 'a/b')).toThrow(SpiffeIdError);
  });
});
