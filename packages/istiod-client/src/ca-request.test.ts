import { create } from '@bufbuild/protobuf';
import type { Metadata } from '@grpc/grpc-js';
import { CertificateAuthority, istioIdentity, parseIstioIdentity } from '@ambient-ts/spiffe';
import { ca as caProto } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { grpcCertificateSource, type CaClientOptions } from './ca-client.js';

interface Seen {
  readonly metadata: unknown;
  readonly ttl: bigint;
  readonly authorization: unknown;
  readonly clusterId: unknown;
  readonly header: unknown;
}

/** A CreateCertificate stand-in that records the request and signs what it is asked for. */
async function fakeCa(seen: Seen[]): Promise<CaClientOptions['client']> {
  const authority = await CertificateAuthority.selfSigned({ trustDomain: 'cluster.local' });
  return {
    async createCertificate(request, metadata?: Metadata) {
      seen.push({
        metadata: request.metadata,
        ttl: request.validityDuration,
        authorization: metadata?.get('authorization')[0],
        clusterId: metadata?.get('clusterid')[0],
        header: metadata?.get('x-extra')[0],
      });
      // Sign the identity the test will ask for, whatever the metadata says.
      const id = istioIdentity('cluster.local', 'bookinfo', 'waypoint');
      const chain = await authority.sign(request.csr, { identity: id });
      return create(caProto.IstioCertificateResponseSchema, { certChain: chain });
    },
  };
}

const own = parseIstioIdentity('spiffe://cluster.local/ns/bookinfo/sa/waypoint');

describe('certificate requests', () => {
  it('name the identity in ImpersonatedIdentity when the proxy asks for its pods', async () => {
    const seen: Seen[] = [];
    const source = grpcCertificateSource({
      client: await fakeCa(seen),
      token: () => Promise.resolve('node-token'),
      clusterId: 'cluster-7',
      ttlSeconds: 3600,
      impersonate: true,
      headers: { 'X-Extra': 'yes' },
    });
    const cert = await source.fetch(own);
    expect(cert.identity.uri).toBe(own.uri);
    expect(seen).toEqual([
      {
        metadata: { ImpersonatedIdentity: own.uri },
        ttl: 3600n,
        authorization: 'Bearer node-token',
        clusterId: 'cluster-7',
        header: 'yes',
      },
    ]);
  });

  it('send no metadata when the proxy asks for its own identity (istiod refuses impersonation to it)', async () => {
    const seen: Seen[] = [];
    const source = grpcCertificateSource({
      client: await fakeCa(seen),
      token: () => Promise.resolve('waypoint-token'),
      clusterId: 'Kubernetes',
      ttlSeconds: 86400,
      impersonate: false,
    });
    await source.fetch(own);
    expect(seen).toEqual([
      {
        metadata: undefined,
        ttl: 86400n,
        authorization: 'Bearer waypoint-token',
        clusterId: 'Kubernetes',
        header: undefined,
      },
    ]);
  });

  it('say what to check when the CA refuses an own-identity request', async () => {
    const source = grpcCertificateSource({
      client: { createCertificate: () => Promise.reject(new Error('16 UNAUTHENTICATED')) },
      token: () => Promise.resolve('t'),
      clusterId: 'Kubernetes',
      ttlSeconds: 60,
      impersonate: false,
    });
    await expect(source.fetch(own)).rejects.toThrow(
      "CreateCertificate for spiffe://cluster.local/ns/bookinfo/sa/waypoint failed: 16 UNAUTHENTICATED; check CA_ADDRESS and that the token's service account is the identity asked for",
    );
  });
});
