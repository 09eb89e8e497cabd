// The X.509-SVID leaf rules (spiffe/spiffe standards/X509-SVID.md §4, §5)
// and the per-use checks (time, trust domain, expected identities).
import type { CertFacts } from './cert-facts.js';
import { parseSpiffeId, parseTrustDomain, SpiffeIdError, type SpiffeId } from './spiffe-id.js';
import { SvidError } from './svid-error.js';
import { OID } from './x509.js';

const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

type LeafResult = { ok: true; id: SpiffeId } | { ok: false; error: SvidError };

function leafRules(facts: CertFacts): SpiffeId {
  const sans = facts.uriSans;
  if (sans.length === 0) {
    throw new SvidError(
      'NO_URI_SAN',
      'the leaf certificate has no URI SAN; an X.509-SVID carries its SPIFFE ID there',
    );
  }
  if (sans.length > 1) {
    throw new SvidError(
      'MULTIPLE_URI_SANS',
      `the leaf certificate has ${sans.length} URI SANs (${sans.map((s) => JSON.stringify(s)).join(', ')}); an X.509-SVID must have exactly one`,
    );
  }
  const uri = sans[0] ?? '';
  if (uri.includes('\0')) {
    // Envoy CVE-2025-66220 / CVE-2026-47778: never truncate or match past a NUL.
    throw new SvidError('NUL_IN_SAN', 'the URI SAN contains a NUL byte');
  }
  let id: SpiffeId;
  try {
    id = parseSpiffeId(uri);
  } catch (err) {
    if (err instanceof SpiffeIdError) {
      throw new SvidError(
        'INVALID_SPIFFE_ID',
        `the URI SAN is not a valid SPIFFE ID: ${err.message}`,
      );
    }
    throw err;
  }
  if (id.path === '') {
    throw new SvidError(
      'ROOT_PATH_ID',
      `the leaf SPIFFE ID ${uri} has no path; a workload SVID needs one`,
    );
  }
  if (facts.subjectEmpty && !facts.sanCritical) {
    throw new SvidError(
      'SAN_NOT_CRITICAL',
      'the subject is empty but the SAN extension is not marked critical',
    );
  }
  if (facts.isCa) {
    throw new SvidError(
      'LEAF_IS_CA',
      `the leaf certificate for ${uri} has basicConstraints cA=true; a leaf SVID must not be a CA`,
    );
  }
  if (!facts.keyUsage) {
    throw new SvidError(
      'MISSING_KEY_USAGE',
      `the leaf certificate for ${uri} has no keyUsage extension`,
    );
  }
  if (!facts.keyUsage.digitalSignature) {
    throw new SvidError(
      'MISSING_DIGITAL_SIGNATURE',
      `the leaf certificate for ${uri} lacks keyUsage digitalSignature`,
    );
  }
  if (facts.keyUsage.keyCertSign || facts.keyUsage.cRLSign) {
    throw new SvidError(
      'LEAF_CAN_SIGN',
      `the leaf certificate for ${uri} has keyUsage keyCertSign or cRLSign`,
    );
  }
  const eku = facts.extKeyUsage;
  if (
    eku &&
    !eku.includes(ANY_EXTENDED_KEY_USAGE) &&
    !(eku.includes(OID.serverAuth) && eku.includes(OID.clientAuth))
  ) {
    throw new SvidError(
      'BAD_EXTENDED_KEY_USAGE',
      `the leaf certificate for ${uri} has extKeyUsage without both serverAuth and clientAuth`,
    );
  }
  return id;
}

/** The leaf's SPIFFE ID after the static leaf rules; memoised on the cached facts. */
export function leafIdentity(facts: CertFacts): SpiffeId {
  let result = facts.leafResult as LeafResult | undefined;
  if (!result) {
    try {
      result = { ok: true, id: leafRules(facts) };
    } catch (err) {
      if (!(err instanceof SvidError)) throw err;
      result = { ok: false, error: err };
    }
    facts.leafResult = result;
  }
  // A fresh error per call, so each rejection has its own stack.
  if (!result.ok) throw new SvidError(result.error.code, result.error.detail);
  return result.id;
}

export function checkValidity(facts: CertFacts, nowMs: number, what: string): void {
  if (nowMs < facts.notBeforeMs) {
    throw new SvidError(
      'NOT_YET_VALID',
      `the ${what} is not valid before ${new Date(facts.notBeforeMs).toISOString()} (now ${new Date(nowMs).toISOString()}); check clock skew`,
    );
  }
  if (nowMs > facts.notAfterMs) {
    throw new SvidError(
      'EXPIRED',
      `the ${what} expired at ${new Date(facts.notAfterMs).toISOString()} (now ${new Date(nowMs).toISOString()}); check certificate renewal`,
    );
  }
}

export interface IdentityExpectations {
  readonly trustDomain?: string;
  /** When given, the peer must be one of these; an empty list accepts nobody. */
  readonly expected?: readonly SpiffeId[];
}

export function checkIdentity(id: SpiffeId, opts: IdentityExpectations): void {
  if (opts.trustDomain !== undefined) {
    const td = parseTrustDomain(opts.trustDomain);
    if (id.trustDomain !== td) {
      throw new SvidError(
        'WRONG_TRUST_DOMAIN',
        `the peer ${id.uri} is in trust domain ${id.trustDomain}, expected ${td}; check the mesh trust domain and aliases`,
      );
    }
  }
  if (opts.expected !== undefined && !opts.expected.some((e) => e.uri === id.uri)) {
    const want = opts.expected.map((e) => e.uri).join(', ') || '(none)';
    throw new SvidError('IDENTITY_MISMATCH', `the peer is ${id.uri}, expected one of: ${want}`);
  }
}
