// Certificate signing requests shaped like upstream ztunnel's: empty subject,
// a single URI SAN (the SPIFFE ID, critical), signed by the workload key.
import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { CaError } from './ca-error.js';
import { importKeyPair, type KeyPairPem } from './keys.js';
import type { SpiffeId } from './spiffe-id.js';
import { OID, x509 } from './x509.js';

export async function createCsr(id: SpiffeId, key: KeyPairPem): Promise<string> {
  const imported = await importKeyPair(key.privateKeyPem, 'CSR key');
  // The public CryptoKey must be exportable (the generator reads its SPKI).
  const publicKey = await webcrypto.subtle.importKey(
    'spki',
    imported.spkiDer,
    imported.algorithm.webcrypto,
    true,
    ['verify'],
  );
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: { privateKey: imported.cryptoKeys.privateKey, publicKey },
    signingAlgorithm: imported.algorithm.sign,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: id.uri }], true)],
  });
  return csr.toString('pem');
}

export interface ParsedCsr {
  readonly publicKey: KeyObject;
  readonly spkiDer: Buffer;
  /** URI SANs requested in the CSR, in order (informational: the CA decides). */
  readonly uriSans: readonly string[];
}

const CSR_KEY_CHECK: Record<string, (k: KeyObject) => string | undefined> = {
  ec: (k) =>
    ['prime256v1', 'secp384r1'].includes(k.asymmetricKeyDetails?.namedCurve ?? '')
      ? undefined
      : `EC curve ${k.asymmetricKeyDetails?.namedCurve ?? '(unknown)'} (use P-256 or P-384)`,
  rsa: (k) =>
    (k.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048
      ? undefined
      : `RSA-${k.asymmetricKeyDetails?.modulusLength ?? 0} (use at least 2048 bits)`,
};

/** Parses a PEM CSR, checks its key type and that it is signed by that key. */
export async function parseAndVerifyCsr(csrPem: string): Promise<ParsedCsr> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new CaError('BAD_CSR', `cannot parse the CSR PEM: ${(err as Error).message}`);
  }
  const spkiDer = Buffer.from(csr.publicKey.rawData);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch (err) {
    throw new CaError(
      'UNSUPPORTED_CSR_KEY',
      `cannot read the CSR public key: ${(err as Error).message}`,
    );
  }
  const check = CSR_KEY_CHECK[publicKey.asymmetricKeyType ?? ''];
  const problem = check
    ? check(publicKey)
    : `key type ${publicKey.asymmetricKeyType ?? '(unknown)'} (use EC P-256 or RSA)`;
  if (problem !== undefined) {
    throw new CaError('UNSUPPORTED_CSR_KEY', `the CSR key is not supported: ${problem}`);
  }
  let ok: boolean;
  try {
    ok = await csr.verify();
  } catch (err) {
    throw new CaError(
      'CSR_SIGNATURE',
      `cannot verify the CSR signature: ${(err as Error).message}`,
    );
  }
  if (!ok) {
    throw new CaError('CSR_SIGNATURE', 'the CSR signature does not verify with its own public key');
  }
  const uriSans: string[] = [];
  for (const ext of csr.extensions) {
    if (ext.type === OID.subjectAltName) {
      const san = new x509.SubjectAlternativeNameExtension(ext.rawData);
      for (const name of san.names.items) if (name.type === 'url') uriSans.push(name.value);
    }
  }
  return { publicKey, spkiDer, uriSans };
}
