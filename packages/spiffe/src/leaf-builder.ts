// The hot path of the CA: CSR check and leaf construction with the ASN.1
// schema classes directly, everything constant precomputed once per CA, and
// every key operation in native crypto (signing on the libuv thread pool).
// @peculiar/x509's generator re-parses names and extensions and goes through
// WebCrypto on every call; this path does only the per-leaf work.
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { CertificationRequest } from '@peculiar/asn1-csr';
import {
  AlgorithmIdentifier,
  Certificate,
  Extension,
  Extensions,
  GeneralName,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  Name,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import type { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { CaError } from './ca-error.js';
import { keyIdentifier } from './key-id.js';
import { derToPem } from './pem.js';

const SIGNATURE_DIGESTS: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

export interface CheckedCsr {
  readonly publicKey: KeyObject;
  readonly spki: SubjectPublicKeyInfo;
}

function csrKeyProblem(key: KeyObject): string | undefined {
  const d = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return ['prime256v1', 'secp384r1'].includes(d.namedCurve ?? '')
        ? undefined
        : `EC curve ${d.namedCurve ?? '(unknown)'} (use P-256 or P-384)`;
    case 'rsa':
      return (d.modulusLength ?? 0) >= 2048
        ? undefined
        : `RSA-${d.modulusLength ?? 0} (use at least 2048 bits)`;
    default:
      return `key type ${key.asymmetricKeyType ?? '(unknown)'} (use EC P-256 or RSA)`;
  }
}

function pemBody(pem: string, label: string): Buffer | undefined {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(pem);
  return m ? Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64') : undefined;
}

/** Parses a PEM CSR and checks its key type and self-signature, natively. */
export function checkCsr(csrPem: string): CheckedCsr {
  const der = pemBody(csrPem, 'CERTIFICATE REQUEST') ?? pemBody(csrPem, 'NEW CERTIFICATE REQUEST');
  if (!der)
    throw new CaError('BAD_CSR', 'the CSR is not PEM ("-----BEGIN CERTIFICATE REQUEST-----")');
  let req: CertificationRequest;
  try {
    req = AsnConvert.parse(der, CertificationRequest);
  } catch (err) {
    throw new CaError('BAD_CSR', `cannot parse the CSR: ${(err as Error).message}`);
  }
  const spki = req.certificationRequestInfo.subjectPKInfo;
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({
      key: Buffer.from(AsnConvert.serialize(spki)),
      format: 'der',
      type: 'spki',
    });
  } catch (err) {
    throw new CaError(
      'UNSUPPORTED_CSR_KEY',
      `cannot read the CSR public key: ${(err as Error).message}`,
    );
  }
  const problem = csrKeyProblem(publicKey);
  if (problem !== undefined)
    throw new CaError('UNSUPPORTED_CSR_KEY', `the CSR key is not supported: ${problem}`);
  const digest = SIGNATURE_DIGESTS[req.signatureAlgorithm.algorithm];
  if (!digest) {
    throw new CaError(
      'CSR_SIGNATURE',
      `the CSR signature algorithm ${req.signatureAlgorithm.algorithm} is not supported`,
    );
  }
  const info = req.certificationRequestInfoRaw;
  let ok: boolean;
  try {
    ok =
      info !== undefined &&
      verify(digest, new Uint8Array(info), publicKey, new Uint8Array(req.signature));
  } catch {
    ok = false; // a malformed signature value
  }
  if (!ok)
    throw new CaError('CSR_SIGNATURE', 'the CSR signature does not verify with its own public key');
  return { publicKey, spki };
}

export interface LeafTemplate {
  /** DER of the issuer's subject Name, copied byte for byte into each leaf's issuer. */
  readonly issuerNameDer: ArrayBuffer;
  /** Extensions identical in every leaf (DER of each Extension). */
  readonly staticExtensionsDer: readonly ArrayBuffer[];
  readonly signingKey: KeyObject;
}

export interface LeafRequest {
  readonly csr: CheckedCsr;
  readonly uri: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export class LeafBuilder {
  readonly #issuer: Name;
  readonly #staticExtensions: readonly Extension[];
  readonly #signingKey: KeyObject;
  readonly #algorithm: AlgorithmIdentifier;
  readonly #digest: string;

  constructor(template: LeafTemplate) {
    this.#issuer = AsnConvert.parse(template.issuerNameDer, Name);
    this.#staticExtensions = template.staticExtensionsDer.map((d) =>
      AsnConvert.parse(d, Extension),
    );
    this.#signingKey = template.signingKey;
    const key = template.signingKey;
    if (key.asymmetricKeyType === 'rsa') {
      // RSA AlgorithmIdentifiers carry an explicit NULL parameter (RFC 4055).
      this.#algorithm = new AlgorithmIdentifier({
        algorithm: '1.2.840.113549.1.1.11',
        parameters: null,
      });
      this.#digest = 'sha256';
    } else if (key.asymmetricKeyDetails?.namedCurve === 'secp384r1') {
      this.#algorithm = new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.3' });
      this.#digest = 'sha384';
    } else {
      this.#algorithm = new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' });
      this.#digest = 'sha256';
    }
  }

  /** Builds and signs one leaf; resolves to its PEM. */
  async build(req: LeafRequest): Promise<string> {
    const serial = randomBytes(16);
    // Positive with a non-zero top byte: a 16-byte DER INTEGER, as istiod's 128-bit serials.
    serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
    const san = new Extension({
      extnID: id_ce_subjectAltName,
      critical: true, // the subject is empty (X509-SVID §4.1 / RFC 5280 §4.2.1.6)
      extnValue: new OctetString(
        AsnConvert.serialize(
          new SubjectAlternativeName([new GeneralName({ uniformResourceIdentifier: req.uri })]),
        ),
      ),
    });
    const ski = new Extension({
      extnID: id_ce_subjectKeyIdentifier,
      critical: false,
      extnValue: new OctetString(
        AsnConvert.serialize(
          new SubjectKeyIdentifier(Buffer.from(keyIdentifier(req.csr.publicKey), 'hex')),
        ),
      ),
    });
    const tbs = new TBSCertificate({
      version: Version.v3,
      serialNumber: toArrayBuffer(serial),
      signature: this.#algorithm,
      issuer: this.#issuer,
      validity: new Validity({ notBefore: req.notBefore, notAfter: req.notAfter }),
      subject: new Name(),
      subjectPublicKeyInfo: req.csr.spki,
      extensions: new Extensions([...this.#staticExtensions, ski, san]),
    });
    const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
    const signature = await new Promise<Buffer>((resolve, reject) => {
      sign(this.#digest, tbsDer, this.#signingKey, (err, sig) => {
        if (err) reject(err);
        else resolve(sig);
      });
    });
    const cert = new Certificate({
      tbsCertificate: tbs,
      signatureAlgorithm: this.#algorithm,
      signatureValue: toArrayBuffer(signature),
    });
    return derToPem(AsnConvert.serialize(cert), 'CERTIFICATE');
  }
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
