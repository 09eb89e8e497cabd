import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCsr } from './csr.js';
import { generateWorkloadKey } from './keys.js';
import { istioIdentity } from './spiffe-id.js';
import { OID, x509 } from './x509.js';

describe('workload keys and CSRs', () => {
  it('generates ECDSA P-256 keys as PKCS#8 and SPKI PEM', async () => {
    const key = await generateWorkloadKey();
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const k = createPrivateKey(key.privateKeyPem);
    expect(k.asymmetricKeyType).toBe('ec');
    expect(k.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('makes a CSR like upstream ztunnel: empty subject, one critical URI SAN, signed by the key', async () => {
    const key = await generateWorkloadKey();
    const id = istioIdentity('cluster.local', 'default', 'sleep');
    const pem = await createCsr(id, key);
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    const csr = new x509.Pkcs10CertificateRequest(pem);
    expect(csr.subject).toBe('');
    expect(await csr.verify()).toBe(true);
    expect(csr.extensions.map((e) => e.type)).toEqual([OID.subjectAltName]);
    const san = new x509.SubjectAlternativeNameExtension(csr.extensions[0]!.rawData);
    expect(san.critical).toBe(true);
    expect(san.names.items.map((n) => [n.type, n.value])).toEqual([['url', id.uri]]);
    expect(csr.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    // The CSR carries the workload's own public key.
    const spki = Buffer.from(csr.publicKey.rawData).toString('base64');
    expect(key.publicKeyPem.replace(/-----[^-]+-----|\s/g, '')).toBe(spki);
  });
});
