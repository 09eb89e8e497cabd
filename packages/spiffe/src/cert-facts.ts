// What the SVID rules need to know about one certificate, parsed once and
// cached by SHA-256 fingerprint: a TLS server sees the same few peer
// certificates on every connection, so the per-connection check is a Map hit.
import { X509Certificate } from 'node:crypto';
import { SvidError } from './svid-error.js';
import { OID, x509 } from './x509.js';

export interface KeyUsageFacts {
  readonly digitalSignature: boolean;
  readonly keyCertSign: boolean;
  readonly cRLSign: boolean;
}

export interface CertFacts {
  readonly fingerprint: string;
  readonly node: X509Certificate;
  readonly uriSans: readonly string[];
  readonly sanCritical: boolean;
  readonly subjectEmpty: boolean;
  readonly isCa: boolean;
  readonly pathLength: number | undefined;
  /** undefined when the extension is absent. */
  readonly keyUsage: KeyUsageFacts | undefined;
  /** undefined when the extension is absent; OIDs otherwise. */
  readonly extKeyUsage: readonly string[] | undefined;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly selfIssued: boolean;
  /** Memo for leaf-rule results (see svid-rules.ts); set on first use. */
  leafResult?: unknown;
}

const MAX_CACHED = 4096;
const cache = new Map<string, CertFacts>();

function parseFacts(node: X509Certificate, fingerprint: string): CertFacts {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(node.raw);
  } catch (err) {
    throw new SvidError(
      'BAD_CERTIFICATE',
      `cannot parse the certificate: ${(err as Error).message}`,
    );
  }
  const uriSans: string[] = [];
  let sanCritical = false;
  for (const ext of cert.getExtensions(OID.subjectAltName)) {
    const san = new x509.SubjectAlternativeNameExtension(ext.rawData);
    sanCritical ||= san.critical;
    for (const name of san.names.items) if (name.type === 'url') uriSans.push(name.value);
  }
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  return {
    fingerprint,
    node,
    uriSans,
    sanCritical,
    subjectEmpty: cert.subject === '',
    isCa: bc?.ca ?? false,
    pathLength: bc?.pathLength,
    keyUsage: ku
      ? {
          digitalSignature: (ku.usages & x509.KeyUsageFlags.digitalSignature) !== 0,
          keyCertSign: (ku.usages & x509.KeyUsageFlags.keyCertSign) !== 0,
          cRLSign: (ku.usages & x509.KeyUsageFlags.cRLSign) !== 0,
        }
      : undefined,
    extKeyUsage: eku ? eku.usages.map(String) : undefined,
    notBeforeMs: cert.notBefore.getTime(),
    notAfterMs: cert.notAfter.getTime(),
    selfIssued: node.subject === node.issuer,
  };
}

/** PEM text → facts, so chains passed as strings skip Node's parse on repeats. */
const byPem = new Map<string, CertFacts>();

function remember<K>(map: Map<K, CertFacts>, key: K, facts: CertFacts): void {
  if (map.size >= MAX_CACHED) {
    // Evict the oldest insertion; peers churn slowly (24 h certs), so FIFO is enough.
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, facts);
}

/** Facts for a PEM string or a Node certificate, from the cache when seen before. */
export function certFacts(input: string | X509Certificate): CertFacts {
  if (typeof input === 'string') {
    const known = byPem.get(input);
    if (known) return known;
    let node: X509Certificate;
    try {
      node = new X509Certificate(input);
    } catch (err) {
      throw new SvidError(
        'BAD_CERTIFICATE',
        `cannot parse the certificate PEM: ${(err as Error).message}`,
      );
    }
    const facts = certFacts(node);
    remember(byPem, input, facts);
    return facts;
  }
  const fingerprint = input.fingerprint256;
  const hit = cache.get(fingerprint);
  if (hit) return hit;
  const facts = parseFacts(input, fingerprint);
  remember(cache, fingerprint, facts);
  return facts;
}

/** For tests: how many certificates are cached. */
export function certFactsCacheSize(): number {
  return cache.size;
}
