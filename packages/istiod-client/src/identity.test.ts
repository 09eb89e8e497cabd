import {
  CertificateAuthority,
  createCsr,
  generateWorkloadKey,
  istioIdentity,
  type SpiffeId,
} from '@ambient-ts/spiffe';
import { describe, expect, it } from 'vitest';
import {
  certificateFromResponse,
  CertificateRequestError,
  type CertificateSource,
} from './ca-client.js';
import { CertificateManager } from './cert-manager.js';

const quiet = { info: () => undefined, warn: () => undefined };

/** A CA source that signs locally with the real signing core (unit tests only). */
function localCa(ca: CertificateAuthority, calls: string[]): CertificateSource {
  return {
    async fetch(identity) {
      calls.push(identity.uri);
      const key = await generateWorkloadKey();
      const chain = await ca.sign(await createCsr(identity, key), { identity });
      return certificateFromResponse(identity, chain, key.privateKeyPem);
    },
  };
}

describe('CA responses', () => {
  it('present leaf + intermediates and trust the last element as roots', async () => {
    const ca = await CertificateAuthority.selfSigned({ trustDomain: 'cluster.local' });
    const id = istioIdentity('cluster.local', 'ns', 'sa');
    const key = await generateWorkloadKey();
    const chain = await ca.sign(await createCsr(id, key), { identity: id });
    const cert = certificateFromResponse(id, chain, key.privateKeyPem);
    expect(cert.roots).toHaveLength(1);
    expect(cert.roots[0]!.replace(/\s+/g, '')).toBe(ca.rootCertPem.replace(/\s+/g, ''));
    expect(cert.certChainPem).toHaveLength(chain.length - 1);
  });

  it('refuse a certificate for another identity than the one asked for', async () => {
    const ca = await CertificateAuthority.selfSigned({ trustDomain: 'cluster.local' });
    const asked: SpiffeId = istioIdentity('cluster.local', 'ns', 'sa');
    const other = istioIdentity('cluster.local', 'ns', 'someone-else');
    const key = await generateWorkloadKey();
    const chain = await ca.sign(await createCsr(other, key), { identity: other });
    expect(() => certificateFromResponse(asked, chain, key.privateKeyPem)).toThrow(
      CertificateRequestError,
    );
    expect(() => certificateFromResponse(asked, chain.slice(0, 1), key.privateKeyPem)).toThrow(
      /expected leaf/,
    );
  });
});

describe('the certificate manager', () => {
  it('keeps one certificate per identity, shared by its pods, and forgets it when no pod needs it', async () => {
    const ca = await CertificateAuthority.selfSigned({ trustDomain: 'cluster.local' });
    const calls: string[] = [];
    const m = new CertificateManager(localCa(ca, calls), quiet);
    const a = 'spiffe://cluster.local/ns/ns/sa/a';
    const b = 'spiffe://cluster.local/ns/ns/sa/b';
    m.setWanted([a, b]);
    const [c1, c2] = await Promise.all([m.get(a), m.get(a)]);
    expect(c1).toBe(c2);
    await m.get(b);
    expect(calls.filter((c) => c === a)).toHaveLength(1);
    expect(m.dump().map((d) => [d.identity, d.state])).toEqual([
      [a, 'Available'],
      [b, 'Available'],
    ]);
    m.setWanted([a]);
    expect(m.identities()).toEqual([a]);
    m.close();
  });

  it('reports an identity as unavailable when the CA refuses it', async () => {
    const m = new CertificateManager(
      {
        fetch: () =>
          Promise.reject(
            new CertificateRequestError('CreateCertificate failed: PERMISSION_DENIED'),
          ),
      },
      quiet,
    );
    const id = 'spiffe://cluster.local/ns/ns/sa/x';
    await expect(m.get(id)).rejects.toThrow('PERMISSION_DENIED');
    expect(m.dump()).toEqual([{ identity: id, state: 'Unavailable', certChain: [] }]);
    m.close();
  });
});
