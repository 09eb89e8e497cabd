// Test-only certificate forge: builds certificates that break one SVID rule
// at a time. Excluded from the build (tsconfig.build.json).
import { createPublicKey, X509Certificate } from 'node:crypto';
import { keyIdentifier } from '../key-id.js';
import {
  generateRsaKey,
  generateWorkloadKey,
  importKeyPair,
  type ImportedKeyPair,
  type KeyPairPem,
} from '../keys.js';
import { x509 } from '../x509.js';

export interface Forged {
  readonly pem: string;
  readonly node: X509Certificate;
  readonly key: KeyPairPem;
  readonly imported: ImportedKeyPair;
  readonly cert: x509.X509Certificate;
}

export interface ForgeOptions {
  readonly issuer?: Forged; // absent: self-signed
  readonly subject?: string; // '' = empty DN
  readonly uriSans?: readonly string[];
  readonly dnsSans?: readonly string[];
  readonly sanCritical?: boolean;
  readonly ca?: boolean; // undefined: no basicConstraints extension
  readonly pathLength?: number;
  readonly keyUsage?: x509.KeyUsageFlags | null; // null: no extension
  readonly eku?: readonly string[] | null; // null: no extension
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly keyType?: 'ec' | 'rsa';
  readonly key?: KeyPairPem;
}

const HOUR = 3600_000;

export async function forge(opts: ForgeOptions = {}): Promise<Forged> {
  const key =
    opts.key ?? (opts.keyType === 'rsa' ? await generateRsaKey(2048) : await generateWorkloadKey());
  const imported = await importKeyPair(key.privateKeyPem, 'forged key');
  const signer = opts.issuer?.imported ?? imported;
  const subject = opts.subject ?? '';
  const extensions: x509.Extension[] = [];
  if (opts.ca !== undefined)
    extensions.push(new x509.BasicConstraintsExtension(opts.ca, opts.pathLength, true));
  if (opts.keyUsage !== null && opts.keyUsage !== undefined) {
    extensions.push(new x509.KeyUsagesExtension(opts.keyUsage, true));
  }
  if (opts.eku) extensions.push(new x509.ExtendedKeyUsageExtension([...opts.eku], false));
  const names = [
    ...(opts.uriSans ?? []).map((value) => ({ type: 'url' as const, value })),
    ...(opts.dnsSans ?? []).map((value) => ({ type: 'dns' as const, value })),
  ];
  if (names.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(names, opts.sanCritical ?? subject === ''),
    );
  }
  extensions.push(
    new x509.SubjectKeyIdentifierExtension(
      keyIdentifier(createPublicKey(imported.privateKey)),
      false,
    ),
  );
  if (opts.issuer) {
    const ski = opts.issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    if (ski) extensions.push(new x509.AuthorityKeyIdentifierExtension(ski, false));
  }
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    subject: subject === '' ? undefined : subject,
    issuer: opts.issuer ? opts.issuer.cert.subjectName : subject === '' ? undefined : subject,
    notBefore: opts.notBefore ?? new Date(now - HOUR),
    notAfter: opts.notAfter ?? new Date(now + 24 * HOUR),
    publicKey: imported.spkiDer,
    signingKey: signer.cryptoKeys.privateKey,
    signingAlgorithm: signer.algorithm.sign,
    extensions,
  });
  const pem = cert.toString('pem') + '\n';
  return { pem, node: new X509Certificate(pem), key, imported, cert };
}

export const KU = x509.KeyUsageFlags;
export const EKU = x509.ExtendedKeyUsage;

/** A CA certificate (root when no issuer). */
export function forgeCa(
  name: string,
  opts: Omit<ForgeOptions, 'subject' | 'ca'> = {},
): Promise<Forged> {
  return forge({ keyUsage: KU.keyCertSign | KU.cRLSign, ...opts, subject: name, ca: true });
}

/** A well-formed SVID leaf for `uri` under `issuer`, with overrides. */
export function forgeLeaf(issuer: Forged, uri: string, opts: ForgeOptions = {}): Promise<Forged> {
  return forge({
    issuer,
    uriSans: [uri],
    ca: false,
    keyUsage: KU.digitalSignature | KU.keyEncipherment,
    eku: [EKU.serverAuth, EKU.clientAuth],
    ...opts,
  });
}
