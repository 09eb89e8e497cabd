import { X509Certificate } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CertificateAuthority } from '@ambient-ts/spiffe';
import { ca as caProto } from '@ambient-ts/xds-types';
import type { TokenReviewStatus } from '../kube/kube-api.js';
import { CaServiceError } from './ca-server.js';
import { bearer, caWithSleepCsr, recordingCaServer, review } from './testing/ca-fixtures.js';

let authority: CertificateAuthority;
let csr: string;

beforeAll(async () => {
  ({ authority, csr } = await caWithSleepCsr());
}, 60_000);

function setup(reviews: Record<string, TokenReviewStatus>) {
  return recordingCaServer(authority, reviews);
}

function request(o: { impersonate?: unknown; ttl?: number } = {}): caProto.IstioCertificateRequest {
  return create(caProto.IstioCertificateRequestSchema, {
    csr,
    validityDuration: BigInt(o.ttl ?? 3600),
    ...(o.impersonate !== undefined && {
      metadata: { ImpersonatedIdentity: o.impersonate as string },
    }),
  });
}

async function rejection(p: Promise<unknown>): Promise<CaServiceError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof CaServiceError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('CreateCertificate', () => {
  it('signs for the caller’s own identity and answers leaf first, root last, one certificate per entry', async () => {
    const { server, signed } = setup({ t: review('default', 'sleep') });
    const res = await server.createCertificate(request(), bearer('t'));
    expect(signed).toEqual(['spiffe://cluster.local/ns/default/sa/sleep']);
    expect(res.certChain).toHaveLength(2);
    for (const pem of res.certChain) expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(res.certChain.every((pem) => pem.endsWith('\n'))).toBe(true);
    const leaf = new X509Certificate(res.certChain[0] ?? '');
    expect(leaf.subjectAltName).toBe('URI:spiffe://cluster.local/ns/default/sa/sleep');
    expect(res.certChain[1]).toBe(authority.rootCertPem);
    const validity = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 1000;
    expect(validity).toBe(3600 + 120);
  });

  it('lets the trusted ztunnel impersonate a service account with a pod on its node', async () => {
    const { server, signed } = setup({
      zt: review('istio-system', 'ztunnel', { pod: 'ztunnel-a', uid: 'zt-uid', node: 'node-1' }),
    });
    const res = await server.createCertificate(
      request({ impersonate: 'spiffe://cluster.local/ns/default/sa/sleep' }),
      bearer('zt'),
    );
    expect(signed).toEqual(['spiffe://cluster.local/ns/default/sa/sleep']);
    expect(new X509Certificate(res.certChain[0] ?? '').subjectAltName).toBe(
      'URI:spiffe://cluster.local/ns/default/sa/sleep',
    );
  });

  it('answers InvalidArgument with upstream’s TTL message above the max TTL', async () => {
    const { server } = setup({ t: review('default', 'sleep') });
    const error = await rejection(
      server.createCertificate(request({ ttl: 90 * 24 * 3600 + 1 }), bearer('t')),
    );
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toBe(
      'CSR signing error (requested TTL 2160h0m1s is greater than the max allowed TTL 2160h0m0s)',
    );
  });

  it('answers InvalidArgument for a CSR that does not parse', async () => {
    const { server } = setup({ t: review('default', 'sleep') });
    const bad = create(caProto.IstioCertificateRequestSchema, { csr: 'garbage' });
    const error = await rejection(server.createCertificate(bad, bearer('t')));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^CSR signing error \(/);
  });

  it('uses the default 24h TTL when validity_duration is 0', async () => {
    const { server } = setup({ t: review('default', 'sleep') });
    const res = await server.createCertificate(request({ ttl: 0 }), bearer('t'));
    const leaf = new X509Certificate(res.certChain[0] ?? '');
    expect((Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 1000).toBe(86400 + 120);
  });
});
