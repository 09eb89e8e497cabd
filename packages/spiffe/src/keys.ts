// Key generation and import with Node's native crypto. @peculiar/x509 only
// ever sees WebCrypto CryptoKeys that Node (OpenSSL) made.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';

export interface KeyPairPem {
  /** PKCS#8 PEM, the form upstream ztunnel keeps in memory. */
  privateKeyPem: string;
  /** SPKI PEM. */
  publicKeyPem: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** A fresh ECDSA P-256 workload key, as upstream ztunnel generates. */
export async function generateWorkloadKey(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPairAsync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** An RSA key pair (the default self-signed root uses RSA-2048). */
export async function generateRsaKey(bits = 2048): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export type KeyErrorCode = 'UNREADABLE_KEY' | 'UNSUPPORTED_KEY';

export class KeyError extends Error {
  override readonly name = 'KeyError';
  constructor(
    readonly code: KeyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The signing parameters that go with a key: WebCrypto algorithm and Node digest. */
export interface SigningAlgorithm {
  readonly webcrypto: RsaHashedImportParams | EcKeyImportParams;
  readonly sign: { name: string; hash: string };
  /** Human label for messages: 'RSA-2048', 'EC P-256'. */
  readonly label: string;
}

type RsaHashedImportParams = { name: 'RSASSA-PKCS1-v1_5'; hash: string };
type EcKeyImportParams = { name: 'ECDSA'; namedCurve: string };

const EC_CURVES: Record<string, { webcrypto: string; hash: string }> = {
  prime256v1: { webcrypto: 'P-256', hash: 'SHA-256' },
  secp384r1: { webcrypto: 'P-384', hash: 'SHA-384' },
};

/**
 * The algorithm for a key we accept: RSA ≥ 2048 bits (signed SHA-256,
 * PKCS#1 v1.5 as istiod does) or EC P-256/P-384. Anything else is refused with
 * a message naming what was found.
 */
export function signingAlgorithmFor(key: KeyObject, what: string): SigningAlgorithm {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits < 2048) {
      throw new KeyError(
        'UNSUPPORTED_KEY',
        `${what}: RSA key of ${bits} bits is too small; use at least 2048`,
      );
    }
    return {
      webcrypto: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      label: `RSA-${bits}`,
    };
  }
  if (type === 'ec') {
    const curve = EC_CURVES[details.namedCurve ?? ''];
    if (!curve) {
      throw new KeyError(
        'UNSUPPORTED_KEY',
        `${what}: EC curve ${details.namedCurve ?? '(unknown)'} is not supported; use P-256 or P-384`,
      );
    }
    return {
      webcrypto: { name: 'ECDSA', namedCurve: curve.webcrypto },
      sign: { name: 'ECDSA', hash: curve.hash },
      label: `EC ${curve.webcrypto}`,
    };
  }
  throw new KeyError(
    'UNSUPPORTED_KEY',
    `${what}: key type ${type ?? '(unknown)'} is not supported; use RSA or EC`,
  );
}

/** Reads a private key in PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM. */
export function readPrivateKey(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new KeyError(
      'UNREADABLE_KEY',
      `${what}: cannot read the private key PEM (${(err as Error).message}); expected PKCS#8, PKCS#1 or SEC1, unencrypted`,
    );
  }
}

export interface ImportedKeyPair {
  readonly privateKey: KeyObject;
  readonly algorithm: SigningAlgorithm;
  /** WebCrypto handles for @peculiar/x509; imported once and reused. */
  readonly cryptoKeys: { privateKey: webcrypto.CryptoKey; publicKey: webcrypto.CryptoKey };
  /** DER SubjectPublicKeyInfo. */
  readonly spkiDer: Buffer;
}

export async function importKeyPair(privateKeyPem: string, what: string): Promise<ImportedKeyPair> {
  const privateKey = readPrivateKey(privateKeyPem, what);
  const algorithm = signingAlgorithmFor(privateKey, what);
  const publicKey = createPublicKey(privateKey);
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const spkiDer = publicKey.export({ format: 'der', type: 'spki' });
  const [priv, pub] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm.webcrypto, false, ['sign']),
    webcrypto.subtle.importKey('spki', spkiDer, algorithm.webcrypto, true, ['verify']),
  ]);
  return { privateKey, algorithm, cryptoKeys: { privateKey: priv, publicKey: pub }, spkiDer };
}
