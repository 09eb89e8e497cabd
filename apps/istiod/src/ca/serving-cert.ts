// istiod's own TLS certificate for :15012, issued by its CA with DNS SANs
// (istiod.istio-system.svc, …) so ztunnel can verify it against
// root-cert.pem. @ambient-ts/spiffe signs SPIFFE leaves only, so this builds
// the DNS leaf with @peculiar/x509 from the CA's exported key.

import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { splitPemCertificates } from '@ambient-ts/spiffe';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface IssuerMaterial {
  /** The issuing CA certificate. */
  readonly caCertPem: string;
  /** Its private key (PKCS#1, SEC1 or PKCS#8 PEM). */
  readonly caKeyPem: string;
  /** Intermediates between the issuing certificate and the root (may be empty). */
  readonly certChainPem: string;
  readonly rootCertPem: string;
}

export interface ServingCertificate {
  /** Leaf, then the issuing chain (without the root). */
  readonly certChainPem: string;
  readonly privateKeyPem: string;
  readonly notAfter: Date;
  readonly notBefore: Date;
}

/** The DNS names istiod answers to, as upstream's istiod serving certificate. */
export function istiodDnsNames(
  namespace: string,
  domainSuffix: string,
  custom: readonly string[],
): string[] {
  return [
    ...new Set([
      `istiod.${namespace}.svc`,
      `istiod.${namespace}.svc.${domainSuffix}`,
      `istiod-remote.${namespace}.svc`,
      `istio-pilot.${namespace}.svc`,
      ...custom,
    ]),
  ];
}

type ImportParams = Parameters<typeof webcrypto.subtle.importKey>[2];
type SignParams = Parameters<typeof webcrypto.subtle.sign>[0];

function signingParams(keyPem: string): { import: ImportParams; sign: SignParams } {
  const key = createPrivateKey(keyPem);
  if (key.asymmetricKeyType === 'rsa') {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { import: alg, sign: alg };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
    const hash = curve === 'P-384' ? 'SHA-384' : 'SHA-256';
    return { import: { name: 'ECDSA', namedCurve: curve }, sign: { name: 'ECDSA', hash } };
  }
  throw new Error(
    `unsupported CA key type ${key.asymmetricKeyType ?? 'unknown'} for istiod's serving certificate`,
  );
}

export async function issueServingCertificate(
  issuer: IssuerMaterial,
  dnsNames: readonly string[],
  ttlSeconds: number,
  now: Date = new Date(),
): Promise<ServingCertificate> {
  const params = signingParams(issuer.caKeyPem);
  const pkcs8 = createPrivateKey(issuer.caKeyPem).export({ format: 'der', type: 'pkcs8' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, params.import, false, [
    'sign',
  ]);
  const leafKeys = await webcrypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign', 'verify'],
  );
  const caCert = new x509.X509Certificate(issuer.caCertPem);
  const ski = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const notBefore = new Date(now.getTime() - 2 * 60_000);
  const notAfter = new Date(now.getTime() + ttlSeconds * 1000);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: '',
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    publicKey: leafKeys.publicKey,
    signingKey,
    signingAlgorithm: params.sign,
    extensions: [
      new x509.SubjectAlternativeNameExtension(
        dnsNames.map((value) => ({ type: 'dns' as const, value })),
        true,
      ),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      ...(ski ? [new x509.AuthorityKeyIdentifierExtension(ski.keyId)] : []),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
    ],
  });
  const pkcs8Leaf = await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey);
  const privateKeyPem = createPrivateKey({
    key: Buffer.from(pkcs8Leaf),
    format: 'der',
    type: 'pkcs8',
  })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
  const rootFingerprints = new Set(
    splitPemCertificates(issuer.rootCertPem).map((p) => new X509Certificate(p).fingerprint256),
  );
  // The chain a client needs to reach a root it trusts: issuing CA and intermediates, no root.
  const chain = [issuer.caCertPem, issuer.certChainPem]
    .flatMap((p) => splitPemCertificates(p))
    .filter((p) => !rootFingerprints.has(new X509Certificate(p).fingerprint256));
  return {
    certChainPem: [leaf.toString('pem') + '\n', ...new Set(chain)].join(''),
    privateKeyPem,
    notBefore,
    notAfter,
  };
}
