import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaError } from './ca-error.js';
import {
  CertificateAuthority,
  CLOCK_SKEW_GRACE_MS,
  MAX_WORKLOAD_TTL_SECONDS,
} from './certificate-authority.js';
import { createCsr } from './csr.js';
import { generateRsaKey, generateWorkloadKey } from './keys.js';
import { istioIdentity } from './spiffe-id.js';
import { forge, forgeCa, type Forged } from './testing/forge.js';
import { OID, x509 } from './x509.js';

const id = istioIdentity('cluster.local', 'bookinfo', 'reviews');
const HOUR = 3600;

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Verifies each link of a leaf-first chain with Node and returns the parsed certificates. */
function expectChainLinks(chain: readonly string[]): X509Certificate[] {
  const certs = chain.map((p) => new X509Certificate(p));
  for (let i = 0; i + 1 < certs.length; i++) {
    expect(certs[i]!.checkIssued(certs[i + 1]!)).toBe(true);
    expect(certs[i]!.verify(certs[i + 1]!.publicKey)).toBe(true);
  }
  const root = certs[certs.length - 1]!;
  expect(root.verify(root.publicKey)).toBe(true);
  return certs;
}

async function expectCaError(p: Promise<unknown>, code: string): Promise<CaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CaError);
  expect((err as CaError).code).toBe(code);
  return err as CaError;
}

describe('self-signed CA', () => {
  let ca: CertificateAuthority;
  let csr: string;
  beforeAll(async () => {
    ca = await CertificateAuthority.selfSigned();
    csr = await createCsr(id, await generateWorkloadKey());
  });

  it('makes an RSA-2048 root, O=cluster.local, valid 10 years, that is a CA', () => {
    const root = new x509.X509Certificate(ca.rootCertPem);
    expect(root.subject).toBe('O=cluster.local');
    expect(root.issuer).toBe('O=cluster.local');
    expect(root.publicKey.algorithm).toMatchObject({
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
    });
    const days = (root.notAfter.getTime() - root.notBefore.getTime()) / 86_400_000;
    expect(days).toBe(3650);
    const bc = root.getExtension(x509.BasicConstraintsExtension)!;
    expect([bc.ca, bc.critical]).toEqual([true, true]);
    expect(ca.trustBundle.pems).toEqual([ca.rootCertPem]);
  });

  it('uses the trust domain as the organisation when given', async () => {
    const other = await CertificateAuthority.selfSigned({
      trustDomain: 'example.org',
      validityDays: 1,
    });
    const root = new x509.X509Certificate(other.rootCertPem);
    expect(root.subject).toBe('O=example.org');
    expect(root.notAfter.getTime() - root.notBefore.getTime()).toBe(86_400_000);
  });

  it('signs a leaf like istiod: 24 h default TTL, not a CA, one critical URI SAN, empty subject', async () => {
    const before = Date.now();
    const chain = await ca.sign(csr, { identity: id });
    expect(chain).toHaveLength(2);
    expect(chain[1]).toBe(ca.rootCertPem);
    for (const pem of chain) expect(pem.endsWith('-----END CERTIFICATE-----\n')).toBe(true);
    expectChainLinks(chain);

    const leaf = new x509.X509Certificate(chain[0]!);
    expect(leaf.subject).toBe('');
    const issuedAt = leaf.notBefore.getTime() + CLOCK_SKEW_GRACE_MS;
    expect(issuedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(leaf.notAfter.getTime() - issuedAt).toBe(24 * HOUR * 1000);

    const bc = leaf.getExtension(x509.BasicConstraintsExtension)!;
    expect([bc.ca, bc.critical]).toEqual([false, true]);
    const ku = leaf.getExtension(x509.KeyUsagesExtension)!;
    expect(ku.critical).toBe(true);
    expect(ku.usages).toBe(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
    );
    const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension)!;
    expect(eku.usages).toEqual([OID.serverAuth, OID.clientAuth]);
    const sans = leaf.getExtensions(x509.SubjectAlternativeNameExtension);
    expect(sans).toHaveLength(1);
    expect(sans[0]!.critical).toBe(true);
    expect(sans[0]!.names.items.map((n) => [n.type, n.value])).toEqual([['url', id.uri]]);

    const root = new x509.X509Certificate(ca.rootCertPem);
    const rootSki = root.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
    expect(leaf.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(rootSki);
    const leafSki = leaf.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId;
    expect(leafSki).toBe(
      Buffer.from(
        await webcrypto.subtle.digest('SHA-1', leaf.publicKey.rawData.slice(-65)),
      ).toString('hex'),
    );
  });

  it('gives every leaf a fresh 128-bit serial', async () => {
    const serials = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const [leaf] = await ca.sign(csr, { identity: id });
      serials.add(new X509Certificate(leaf!).serialNumber);
    }
    expect(serials.size).toBe(5);
    for (const s of serials) expect(s).toMatch(/^[0-9A-F]{32}$/);
  });

  it('issues the identity it is told, not the one the CSR asks for', async () => {
    const other = istioIdentity('cluster.local', 'evil', 'admin');
    const [leaf] = await ca.sign(await createCsr(other, await generateWorkloadKey()), {
      identity: id,
    });
    expect(new X509Certificate(leaf!).subjectAltName).toBe(`URI:${id.uri}`);
  });

  it('honours a requested TTL and treats <= 0 as the default', async () => {
    const ttlOf = async (ttlSeconds: number): Promise<number> => {
      const leaf = new x509.X509Certificate((await ca.sign(csr, { identity: id, ttlSeconds }))[0]!);
      return (leaf.notAfter.getTime() - leaf.notBefore.getTime() - CLOCK_SKEW_GRACE_MS) / 1000;
    };
    expect(await ttlOf(HOUR)).toBe(HOUR);
    expect(await ttlOf(0)).toBe(24 * HOUR);
    expect(await ttlOf(-5)).toBe(24 * HOUR);
    expect(await ttlOf(MAX_WORKLOAD_TTL_SECONDS)).toBe(MAX_WORKLOAD_TTL_SECONDS);
  });

  it('rejects a TTL above 90 days with upstream wording', async () => {
    const err = await expectCaError(
      ca.sign(csr, { identity: id, ttlSeconds: MAX_WORKLOAD_TTL_SECONDS + 1 }),
      'TTL_TOO_LONG',
    );
    expect(err.message).toBe(
      'requested TTL 2160h0m1s is greater than the max allowed TTL 2160h0m0s',
    );
  });

  it('rejects a CSR whose signature does not verify', async () => {
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const at = der.length - 5; // inside the ECDSA signature value
    der[at] = (der[at] ?? 0) ^ 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expectCaError(ca.sign(tampered, { identity: id }), 'CSR_SIGNATURE');
  });

  it('rejects garbage as BAD_CSR', async () => {
    await expectCaError(ca.sign('not a csr', { identity: id }), 'BAD_CSR');
  });

  it('rejects CSR keys it does not support (EC P-521, RSA-1024)', async () => {
    // Keys made natively, then handed to WebCrypto for the CSR signature.
    const makeCsr = async (
      keyPem: { privateKey: string; publicKey: string },
      importAlg: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams,
      sign: { name: string; hash?: string },
    ): Promise<string> => {
      const der = (pem: string): Buffer =>
        Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      const privateKey = await webcrypto.subtle.importKey(
        'pkcs8',
        der(keyPem.privateKey),
        importAlg,
        false,
        ['sign'],
      );
      const publicKey = await webcrypto.subtle.importKey(
        'spki',
        der(keyPem.publicKey),
        importAlg,
        true,
        ['verify'],
      );
      const req = await x509.Pkcs10CertificateRequestGenerator.create({
        keys: { privateKey, publicKey },
        signingAlgorithm: sign,
      });
      return req.toString('pem');
    };
    const p521 = await makeCsr(
      generateKeyPairSync('ec', {
        namedCurve: 'secp521r1',
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }),
      { name: 'ECDSA', namedCurve: 'P-521' },
      { name: 'ECDSA', hash: 'SHA-512' },
    );
    await expectCaError(ca.sign(p521, { identity: id }), 'UNSUPPORTED_CSR_KEY');
    const rsa1024 = await makeCsr(
      generateKeyPairSync('rsa', {
        modulusLength: 1024,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      { name: 'RSASSA-PKCS1-v1_5' },
    );
    await expectCaError(ca.sign(rsa1024, { identity: id }), 'UNSUPPORTED_CSR_KEY');
  });

  it('refuses to sign an identity without a path', async () => {
    await expectCaError(
      ca.sign(csr, {
        identity: { uri: 'spiffe://cluster.local', trustDomain: id.trustDomain, path: '' },
      }),
      'BAD_IDENTITY',
    );
  });

  it('exports its secret data, which loads back as a plug-in CA with the same root', async () => {
    const data = ca.exportSecretData();
    expect(data.caKeyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(data.caCertPem).toBe(ca.rootCertPem);
    const again = await CertificateAuthority.fromPlugin(data);
    expect(again.rootCertPem).toBe(ca.rootCertPem);
    expectChainLinks(await again.sign(csr, { identity: id }));
  });
});

describe('plug-in CA', () => {
  let dir: string;
  let csr: string;
  let rsaRoot: Forged;
  let ecIntermediate: Forged;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spiffe-ca-'));
    csr = await createCsr(id, await generateWorkloadKey());
    rsaRoot = await forgeCa('CN=Plug Root,O=ambient-ts', { keyType: 'rsa' });
    ecIntermediate = await forgeCa('CN=Plug Intermediate,O=ambient-ts', {
      issuer: rsaRoot,
      keyType: 'ec',
    });
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs with an RSA root key in PKCS#1 form, chain [leaf, root]', async () => {
    const pkcs1 = createPrivateKey(rsaRoot.key.privateKeyPem)
      .export({ format: 'pem', type: 'pkcs1' })
      .toString();
    const ca = await CertificateAuthority.fromPlugin({
      caCertPem: rsaRoot.pem,
      caKeyPem: pkcs1,
      rootCertPem: rsaRoot.pem,
    });
    const chain = await ca.sign(csr, { identity: id });
    expect(chain).toHaveLength(2);
    expectChainLinks(chain);
    expect(new X509Certificate(chain[0]!).verify(rsaRoot.node.publicKey)).toBe(true);
  });

  it('signs with an EC intermediate (SEC1 key) under an RSA root, chain [leaf, intermediate, root]', async () => {
    const sec1 = createPrivateKey(ecIntermediate.key.privateKeyPem)
      .export({ format: 'pem', type: 'sec1' })
      .toString();
    const ca = await CertificateAuthority.fromPlugin({
      caCertPem: ecIntermediate.pem,
      caKeyPem: sec1,
      // As Istio's cert tooling writes it: ca-cert followed by the root.
      certChainPem: ecIntermediate.pem + rsaRoot.pem,
      rootCertPem: rsaRoot.pem,
    });
    const chain = await ca.sign(csr, { identity: id });
    expect(chain).toHaveLength(3);
    expect(chain[1]).toBe(ecIntermediate.pem);
    expect(chain[2]).toBe(rsaRoot.pem);
    const certs = expectChainLinks(chain);
    expect(new x509.X509Certificate(certs[0]!.raw).signatureAlgorithm).toMatchObject({
      name: 'ECDSA',
    });
    expect(ca.trustBundle.pems).toEqual([rsaRoot.pem]);
  });

  it('produces a chain that `openssl verify` accepts (or Node, without openssl)', async () => {
    const ecRoot = await forgeCa('CN=EC Root');
    const rsaIntermediate = await forgeCa('CN=RSA Intermediate', {
      issuer: ecRoot,
      keyType: 'rsa',
    });
    const ca = await CertificateAuthority.fromPlugin({
      caCertPem: rsaIntermediate.pem,
      caKeyPem: rsaIntermediate.key.privateKeyPem,
      certChainPem: rsaIntermediate.pem,
      rootCertPem: ecRoot.pem,
    });
    const [leaf, intermediate, root] = await ca.sign(csr, { identity: id });
    if (hasOpenssl()) {
      const files = { leaf, intermediate, root };
      for (const [name, pem] of Object.entries(files))
        writeFileSync(join(dir, `${name}.pem`), pem!);
      const out = execFileSync(
        'openssl',
        [
          'verify',
          '-x509_strict',
          '-purpose',
          'sslclient',
          '-CAfile',
          join(dir, 'root.pem'),
          '-untrusted',
          join(dir, 'intermediate.pem'),
          join(dir, 'leaf.pem'),
        ],
        { encoding: 'utf8' },
      );
      expect(out.trim()).toBe(`${join(dir, 'leaf.pem')}: OK`);
    } else {
      expectChainLinks([leaf!, intermediate!, root!]);
    }
  });

  it('loads from a directory of cacerts files', async () => {
    const sub = join(dir, 'cacerts');
    execFileSync('mkdir', ['-p', sub]);
    writeFileSync(join(sub, 'ca-cert.pem'), ecIntermediate.pem);
    writeFileSync(join(sub, 'ca-key.pem'), ecIntermediate.key.privateKeyPem);
    writeFileSync(join(sub, 'cert-chain.pem'), ecIntermediate.pem + rsaRoot.pem);
    writeFileSync(join(sub, 'root-cert.pem'), rsaRoot.pem);
    const ca = await CertificateAuthority.fromPluginDir(sub);
    expect(await ca.sign(csr, { identity: id })).toHaveLength(3);
    expect(ca.exportSecretData().certChainPem).toBe(ecIntermediate.pem + rsaRoot.pem);
    rmSync(join(sub, 'ca-key.pem'));
    const err = await expectCaError(CertificateAuthority.fromPluginDir(sub), 'MISSING_FILE');
    expect(err.message).toContain('ca-key.pem');
  });

  it('rejects a key that does not belong to ca-cert.pem', async () => {
    const other = await generateRsaKey();
    await expectCaError(
      CertificateAuthority.fromPlugin({
        caCertPem: rsaRoot.pem,
        caKeyPem: other.privateKeyPem,
        rootCertPem: rsaRoot.pem,
      }),
      'KEY_MISMATCH',
    );
  });

  it('rejects an intermediate that does not chain to root-cert.pem', async () => {
    const foreignRoot = await forgeCa('CN=Foreign Root');
    const err = await expectCaError(
      CertificateAuthority.fromPlugin({
        caCertPem: ecIntermediate.pem,
        caKeyPem: ecIntermediate.key.privateKeyPem,
        rootCertPem: foreignRoot.pem,
      }),
      'CHAIN_BROKEN',
    );
    expect(err.message).toContain('CN=Plug Intermediate');
  });

  it('rejects a ca-cert.pem that is not a CA', async () => {
    const notCa = await forge({ issuer: rsaRoot, subject: 'CN=not a ca', ca: false });
    await expectCaError(
      CertificateAuthority.fromPlugin({
        caCertPem: notCa.pem,
        caKeyPem: notCa.key.privateKeyPem,
        rootCertPem: rsaRoot.pem,
      }),
      'NOT_A_CA',
    );
  });

  it('rejects unreadable PEM and unsupported keys', async () => {
    await expectCaError(
      CertificateAuthority.fromPlugin({ caCertPem: '', caKeyPem: '', rootCertPem: rsaRoot.pem }),
      'BAD_PEM',
    );
    await expectCaError(
      CertificateAuthority.fromPlugin({
        caCertPem: rsaRoot.pem,
        caKeyPem: 'garbage',
        rootCertPem: rsaRoot.pem,
      }),
      'UNREADABLE_KEY',
    );
  });
});
