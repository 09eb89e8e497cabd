// Loading plug-in CA material (the `cacerts` Secret layout) and putting the
// issuing chain in the order upstream's cert_chain uses: ca-cert first, then
// intermediates, root last.
import { X509Certificate } from 'node:crypto';
import { CaError } from './ca-error.js';
import { certFacts } from './cert-facts.js';
import { splitPemCertificates } from './pem.js';

export function readCertificates(pem: string, what: string): X509Certificate[] {
  const blocks = splitPemCertificates(pem);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new CaError(
        'BAD_PEM',
        `${what}: certificate #${i + 1} does not parse (${(err as Error).message})`,
      );
    }
  });
}

function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  return child.checkIssued(issuer) && child.verify(issuer.publicKey);
}

export function requireSigningCa(cert: X509Certificate, what: string): void {
  const facts = certFacts(cert);
  if (!facts.isCa) {
    throw new CaError(
      'NOT_A_CA',
      `${what} "${cert.subject}" is not a CA certificate (basicConstraints cA=false)`,
    );
  }
  if (facts.keyUsage && !facts.keyUsage.keyCertSign) {
    throw new CaError('NOT_A_CA', `${what} "${cert.subject}" lacks keyUsage keyCertSign`);
  }
}

const MAX_DEPTH = 8;

/**
 * [caCert, intermediates..., root]. When caCert is itself a root the result
 * is [caCert]. Every link is checked (issuer name and signature).
 */
export function orderIssuingChain(
  caCert: X509Certificate,
  chainCerts: readonly X509Certificate[],
  roots: readonly X509Certificate[],
): X509Certificate[] {
  const chain = [caCert];
  const used = new Set([caCert.fingerprint256]);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const current = chain[chain.length - 1] as X509Certificate;
    const root = roots.find((r) => issuedBy(current, r));
    if (root) {
      if (root.fingerprint256 !== current.fingerprint256) chain.push(root);
      return chain;
    }
    const next = chainCerts.find((c) => !used.has(c.fingerprint256) && issuedBy(current, c));
    if (!next) {
      throw new CaError(
        'CHAIN_BROKEN',
        `no certificate in cert-chain.pem or root-cert.pem issued "${current.subject}" (issuer "${current.issuer}"); ` +
          'check that cert-chain.pem holds the intermediates and root-cert.pem the root of ca-cert.pem',
      );
    }
    requireSigningCa(next, 'intermediate in cert-chain.pem');
    used.add(next.fingerprint256);
    chain.push(next);
  }
  throw new CaError(
    'CHAIN_BROKEN',
    `the chain from ca-cert.pem to root-cert.pem is longer than ${MAX_DEPTH}`,
  );
}
