// A set of trusted root certificates. A root added without a trust domain
// anchors any trust domain (Istio's model: one mesh root, the trust domain
// checked separately); a root added for a trust domain anchors only that one
// (SPIFFE federation).
import type { X509Certificate } from 'node:crypto';
import { certFacts, type CertFacts } from './cert-facts.js';
import { splitPemCertificates } from './pem.js';
import { parseTrustDomain, type TrustDomain } from './spiffe-id.js';
import { SvidError } from './svid-error.js';

interface Anchor {
  readonly facts: CertFacts;
  readonly pem: string;
  /** undefined: anchors every trust domain. */
  readonly trustDomain: TrustDomain | undefined;
}

function anchorsFrom(rootsPem: readonly string[], trustDomain: TrustDomain | undefined): Anchor[] {
  const anchors: Anchor[] = [];
  for (const bundle of rootsPem) {
    const pems = splitPemCertificates(bundle);
    if (pems.length === 0) {
      throw new SvidError(
        'BAD_CERTIFICATE',
        'a trust bundle entry holds no PEM certificate; check root-cert.pem',
      );
    }
    for (const pem of pems) {
      const facts = certFacts(pem);
      if (!facts.isCa) {
        throw new SvidError(
          'BAD_CERTIFICATE',
          `trust bundle root "${facts.node.subject}" is not a CA certificate (basicConstraints cA=false)`,
        );
      }
      anchors.push({ facts, pem, trustDomain });
    }
  }
  return anchors;
}

// Set by #of just before it calls the constructor (synchronously), so merge()
// can build a bundle from anchors without re-parsing PEM.
let prebuilt: readonly Anchor[] | undefined;

export class TrustBundle {
  readonly #anchors: readonly Anchor[];
  /** Every root PEM, deduplicated, e.g. for the `ca` option of tls.createSecureContext. */
  readonly pems: readonly string[];

  /**
   * @param rootsPem PEM strings, each holding one or more root certificates.
   * @param trustDomain when given, these roots anchor only that trust domain.
   */
  constructor(rootsPem: readonly string[], trustDomain?: string) {
    const anchors =
      prebuilt ??
      anchorsFrom(rootsPem, trustDomain === undefined ? undefined : parseTrustDomain(trustDomain));
    prebuilt = undefined;
    this.#anchors = dedupe(anchors);
    this.pems = Object.freeze([...new Set(this.#anchors.map((a) => a.pem))]);
  }

  static #of(anchors: readonly Anchor[]): TrustBundle {
    prebuilt = anchors;
    return new TrustBundle([]);
  }

  /** Node certificates of every root. */
  get certificates(): readonly X509Certificate[] {
    return this.#anchors.map((a) => a.facts.node);
  }

  /** The roots that may anchor an SVID of this trust domain. */
  rootsFor(trustDomain: TrustDomain): readonly CertFacts[] {
    return this.#anchors
      .filter((a) => a.trustDomain === undefined || a.trustDomain === trustDomain)
      .map((a) => a.facts);
  }

  /** True when the certificate (by fingerprint) is one of the roots for this trust domain. */
  isRootFor(fingerprint: string, trustDomain: TrustDomain): boolean {
    return this.rootsFor(trustDomain).some((r) => r.fingerprint === fingerprint);
  }

  /** A new bundle with these bundles' roots added, each keeping its scope. */
  merge(...others: readonly TrustBundle[]): TrustBundle {
    return TrustBundle.#of(dedupe([this, ...others].flatMap((b) => b.#anchors)));
  }
}

function dedupe(anchors: readonly Anchor[]): Anchor[] {
  const seen = new Set<string>();
  return anchors.filter((a) => {
    const key = `${a.trustDomain ?? '*'} ${a.facts.fingerprint}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
