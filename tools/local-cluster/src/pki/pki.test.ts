import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority, createServiceAccountKeys, issueCertificate } from './pki.js';

describe('cluster PKI', () => {
  it('issues serving certificates that chain to the CA and carry the requested SANs and usage', async () => {
    const ca = await createCertificateAuthority('test-ca');
    const pair = await issueCertificate(ca, {
      commonName: 'kube-apiserver',
      dnsNames: ['kubernetes.default.svc', 'localhost'],
      ipAddresses: ['127.0.0.1', '10.96.0.1'],
      usage: 'server',
    });
    const caCert = new X509Certificate(ca.certPem);
    const leaf = new X509Certificate(pair.certPem);
    expect(caCert.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(leaf.checkIP('10.96.0.1')).toBe('10.96.0.1');
    expect(leaf.checkIP('10.96.0.2')).toBeUndefined();
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.checkPrivateKey(createPrivateKey(pair.keyPem))).toBe(true);
  });

  it('puts groups in O and the user in CN of client certificates, as the apiserver reads them', async () => {
    const ca = await createCertificateAuthority('test-ca');
    const pair = await issueCertificate(ca, {
      commonName: 'system:node:node-1',
      organizations: ['system:nodes'],
      usage: 'client',
    });
    const leaf = new X509Certificate(pair.certPem);
    expect(leaf.subject).toContain('CN=system:node:node-1');
    expect(leaf.subject).toContain('O=system:nodes');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(leaf.issuer).toBe(new X509Certificate(ca.certPem).subject);
  });

  it('does not verify against a different CA', async () => {
    const ca = await createCertificateAuthority('a');
    const other = await createCertificateAuthority('b');
    const leaf = new X509Certificate(
      (await issueCertificate(ca, { commonName: 'x', usage: 'client' })).certPem,
    );
    expect(leaf.verify(new X509Certificate(other.certPem).publicKey)).toBe(false);
  });

  it('makes a service-account key pair whose PEMs sign and verify (PKCS#8 private, SPKI public)', async () => {
    const keys = await createServiceAccountKeys();
    expect(keys.privatePem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(keys.publicPem).toContain('-----BEGIN PUBLIC KEY-----');
    const data = Buffer.from('token');
    const sig = sign('sha256', data, createPrivateKey(keys.privatePem));
    expect(verify('sha256', data, createPublicKey(keys.publicPem), sig)).toBe(true);
  });
});
