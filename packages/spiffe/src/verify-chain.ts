// Full X.509-SVID validation of a presented chain against a trust bundle:
// the SPIFFE leaf rules, then an RFC 5280-style path from the leaf to a root
// of the leaf's trust domain (issuer links, signatures, CA flags, path
// lengths, validity), then the caller's trust-domain and identity pins.
// Used where OpenSSL has not already verified the chain (e.g. checking a
// CA response, or verifying SVIDs out of band).
import type { X509Certificate } from 'node:crypto';
import { certFacts, type CertFacts } from './cert-facts.js';
import { splitPemCertificates } from './pem.js';
import type { SpiffeId } from './spiffe-id.js';
import { SvidError } from './svid-error.js';
import {
  checkIdentity,
  checkValidity,
  leafIdentity,
  type IdentityExpectations,
} from './svid-rules.js';
import type { TrustBundle } from './trust-bundle.js';

export interface SvidChainOptions extends IdentityExpectations {
  /** Defaults to the current time. */
  readonly now?: Date;
}

/** Intermediates we are willing to walk through before giving up. */
const MAX_INTERMEDIATES = 8;

function describe(facts: CertFacts): string {
  return `"${facts.node.subject || '(empty subject)'}"`;
}

function toFacts(chain: readonly (string | X509Certificate)[]): CertFacts[] {
  const out: CertFacts[] = [];
  for (const [i, item] of chain.entries()) {
    if (typeof item === 'string') {
      const pems = splitPemCertificates(item);
      if (pems.length === 0) {
        throw new SvidError('BAD_CERTIFICATE', `chain element #${i + 1} holds no PEM certificate`);
      }
      for (const pem of pems) out.push(certFacts(pem));
    } else {
      out.push(certFacts(item));
    }
  }
  return out;
}

/**
 * Name linkage only. Not X509Certificate.checkIssued: OpenSSL's check also
 * refuses issuers without keyCertSign, which would report a non-CA
 * intermediate as an untrusted root instead of INTERMEDIATE_NOT_CA.
 */
function namesIssuer(child: CertFacts, issuer: CertFacts): boolean {
  return child.node.issuer === issuer.node.subject;
}

function signedBy(child: CertFacts, issuer: CertFacts): boolean {
  try {
    return child.node.verify(issuer.node.publicKey);
  } catch {
    return false;
  }
}

/**
 * Verifies a leaf-first chain (PEM strings, each with one or more
 * certificates, or Node certificates) and returns the leaf's SPIFFE ID.
 * Throws SvidError with a code per failed rule.
 */
export function verifySvidChain(
  chain: readonly (string | X509Certificate)[],
  bundle: TrustBundle,
  opts: SvidChainOptions = {},
): SpiffeId {
  if (chain.length === 0) throw new SvidError('EMPTY_CHAIN', 'the peer presented no certificate');
  const certs = toFacts(chain);
  const leaf = certs[0] as CertFacts;
  const id = leafIdentity(leaf);
  const nowMs = (opts.now ?? new Date()).getTime();
  checkValidity(leaf, nowMs, `leaf certificate of ${id.uri}`);

  const roots = bundle.rootsFor(id.trustDomain);
  if (roots.length === 0) {
    throw new SvidError(
      'UNTRUSTED_ROOT',
      `the trust bundle has no roots for trust domain ${id.trustDomain}; check the bundle or federation config`,
    );
  }

  const pool = certs.slice(1);
  const used = new Set<string>([leaf.fingerprint]);
  // CA certificates between the leaf and the anchor, nearest the leaf first.
  const path: CertFacts[] = [];
  let current = leaf;
  for (;;) {
    const anchor = roots.find((r) => namesIssuer(current, r) && signedBy(current, r));
    if (anchor) {
      checkValidity(anchor, nowMs, `root certificate ${describe(anchor)}`);
      checkPathLengths([...path, anchor]);
      break;
    }
    if (path.length >= MAX_INTERMEDIATES) {
      throw new SvidError(
        'CHAIN_TOO_LONG',
        `no root reached after ${MAX_INTERMEDIATES} intermediates`,
      );
    }
    const named = pool.filter((c) => !used.has(c.fingerprint) && namesIssuer(current, c));
    const next = named.find((c) => signedBy(current, c));
    if (!next) {
      const claimed = [...named, ...roots.filter((r) => namesIssuer(current, r))];
      if (claimed.length > 0) {
        throw new SvidError(
          'BAD_SIGNATURE',
          `the signature on ${describe(current)} does not verify with the key of its named issuer ${describe(claimed[0] as CertFacts)}`,
        );
      }
      throw new SvidError(
        'UNTRUSTED_ROOT',
        `${describe(current)} (issuer "${current.node.issuer}") does not chain to a trusted root for ${id.trustDomain}; ` +
          'check that the peer and this side share the mesh root (root-cert.pem)',
      );
    }
    if (!next.isCa || (next.keyUsage !== undefined && !next.keyUsage.keyCertSign)) {
      throw new SvidError(
        'INTERMEDIATE_NOT_CA',
        `${describe(next)} signed ${describe(current)} but is not a CA (needs basicConstraints cA=true and keyCertSign)`,
      );
    }
    checkValidity(next, nowMs, `intermediate certificate ${describe(next)}`);
    used.add(next.fingerprint);
    path.push(next);
    current = next;
  }

  checkIdentity(id, opts);
  return id;
}

/** RFC 5280 §4.2.1.9: a CA's pathLenConstraint bounds the CA certificates below it. */
function checkPathLengths(caPath: readonly CertFacts[]): void {
  for (const [index, ca] of caPath.entries()) {
    // The CAs below `ca` (excluding the leaf), not counting self-issued ones.
    const below = caPath.slice(0, index).filter((c) => !c.selfIssued).length;
    if (ca.pathLength !== undefined && below > ca.pathLength) {
      throw new SvidError(
        'PATH_LENGTH_EXCEEDED',
        `${describe(ca)} allows ${ca.pathLength} intermediate CA(s) below it, the chain has ${below}`,
      );
    }
  }
}
