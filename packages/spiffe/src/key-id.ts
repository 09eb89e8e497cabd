// Subject key identifiers per RFC 5280 §4.2.1.2 method (1): SHA-1 of the
// subjectPublicKey BIT STRING contents, computed natively from the KeyObject.
import { createHash, type KeyObject } from 'node:crypto';

export function subjectPublicKeyBits(key: KeyObject): Buffer {
  if (key.asymmetricKeyType === 'rsa') {
    return key.export({ format: 'der', type: 'pkcs1' });
  }
  if (key.asymmetricKeyType === 'ec') {
    // The uncompressed point 0x04 || X || Y, which is what the SPKI carries.
    const jwk = key.export({ format: 'jwk' });
    return Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x ?? '', 'base64url'),
      Buffer.from(jwk.y ?? '', 'base64url'),
    ]);
  }
  throw new Error(`no key identifier rule for key type ${key.asymmetricKeyType ?? '(unknown)'}`);
}

/** Hex SHA-1 key identifier of a public key. */
export function keyIdentifier(key: KeyObject): string {
  return createHash('sha1').update(subjectPublicKeyBits(key)).digest('hex');
}
