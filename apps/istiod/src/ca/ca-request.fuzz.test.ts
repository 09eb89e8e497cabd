// Fuzz: CreateCertificate as any caller could send it — the request bytes
// (CSR, validity, the ImpersonatedIdentity metadata of any JSON type) and the
// authorization header. The CA either answers with a gRPC status
// (UNAUTHENTICATED, INVALID_ARGUMENT, INTERNAL for a signing failure) or
// issues a chain whose leaf names exactly one identity: the caller's own, or,
// for the trusted ztunnel only, a service account with a pod on its node.
import { X509Certificate } from 'node:crypto';
import { Metadata, status } from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { JsonValue } from '@bufbuild/protobuf';
import {
  CertificateAuthority,
  createCsr,
  generateWorkloadKey,
  istioIdentity,
} from '@ambient-ts/spiffe';
import { ca as caProto } from '@ambient-ts/xds-types';
import { fuzz, fuzzTimeoutMs, isProtobufDecodeError } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TokenReviewStatus } from '../kube/kube-api.js';
import { type CaServer, CaServiceError } from './ca-server.js';
import { recordingCaServer, review, TD } from './testing/ca-fixtures.js';

const SLEEP = 'spiffe://cluster.local/ns/default/sa/sleep';
const APP = 'spiffe://cluster.local/ns/default/sa/app';
const ZTUNNEL = 'spiffe://cluster.local/ns/istio-system/sa/ztunnel';

const REVIEWS: Record<string, TokenReviewStatus> = {
  app: review('default', 'app'),
  zt: review('istio-system', 'ztunnel', { pod: 'ztunnel-a', uid: 'zt-uid', node: 'node-1' }),
};

let server: CaServer;
let csr: string;
beforeAll(async () => {
  const authority = await CertificateAuthority.selfSigned({ trustDomain: TD });
  csr = await createCsr(istioIdentity(TD, 'kube-system', 'admin'), await generateWorkloadKey());
  server = recordingCaServer(authority, REVIEWS).server;
}, 60_000);

const impersonation: fc.Arbitrary<JsonValue | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    SLEEP,
    APP,
    ZTUNNEL,
    'spiffe://cluster.local/ns/default/sa/httpbin',
    'spiffe://other.td/ns/default/sa/sleep',
    `${SLEEP}\u0000`,
    'SPIFFE://cluster.local/ns/default/sa/sleep',
    '',
  ),
  fc.string({ maxLength: 30 }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => v as JsonValue),
);
const input = fc.record({
  token: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('app', 'zt', 'nobody') },
    fc.string({ maxLength: 10 }),
  ),
  scheme: fc.constantFrom('Bearer ', 'Bearer ', 'bearer ', 'Basic ', ''),
  csr: fc.oneof({ weight: 3, arbitrary: fc.constant('valid') }, fc.string({ maxLength: 40 })),
  ttl: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(0n, 3600n, 86400n) },
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  ),
  impersonate: impersonation,
  corrupt: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { nil: undefined }),
});

let issued = 0;

describe('CreateCertificate on hostile input (fuzz)', () => {
  it(
    'answers a status, or issues a leaf for the caller or an authorized impersonation only',
    () =>
      fuzz(
        'istiod: CreateCertificate request',
        fc.asyncProperty(input, async (i) => {
          const bytes = toBinary(
            caProto.IstioCertificateRequestSchema,
            create(caProto.IstioCertificateRequestSchema, {
              csr: i.csr === 'valid' ? csr : i.csr,
              validityDuration: i.ttl,
              ...(i.impersonate === undefined
                ? {}
                : { metadata: { ImpersonatedIdentity: i.impersonate } }),
            }),
          );
          if (i.corrupt) bytes[i.corrupt[0] % bytes.length] = i.corrupt[1];
          let request: caProto.IstioCertificateRequest;
          try {
            request = fromBinary(caProto.IstioCertificateRequestSchema, bytes);
          } catch (err) {
            if (!isProtobufDecodeError(err)) throw err;
            return;
          }
          const md = new Metadata();
          md.set('authorization', `${i.scheme}${i.token}`);
          let chain: string[];
          try {
            chain = (await server.createCertificate(request, md, 'ipv4:127.0.0.1:1')).certChain;
          } catch (err) {
            if (!(err instanceof CaServiceError)) throw err;
            expect([status.UNAUTHENTICATED, status.INVALID_ARGUMENT, status.INTERNAL]).toContain(
              err.code,
            );
            return;
          }
          issued++;
          const leaf = new X509Certificate(chain[0] ?? '');
          const asked = request.metadata?.ImpersonatedIdentity;
          const impersonating = asked !== undefined && asked !== null && asked !== '';
          if (impersonating) {
            expect(i.token).toBe('zt');
            expect(leaf.subjectAltName).toBe(`URI:${SLEEP}`);
          } else {
            expect(leaf.subjectAltName).toBe(`URI:${i.token === 'zt' ? ZTUNNEL : APP}`);
          }
        }),
        {
          runs: 150,
          // An honest caller and the ztunnel impersonating a pod on its node: both
          // must be issued, so the check below never depends on the time budget.
          examples: [
            [
              {
                token: 'app',
                scheme: 'Bearer ',
                csr: 'valid',
                ttl: 3600n,
                impersonate: undefined,
                corrupt: undefined,
              },
            ],
            [
              {
                token: 'zt',
                scheme: 'Bearer ',
                csr: 'valid',
                ttl: 3600n,
                impersonate: SLEEP,
                corrupt: undefined,
              },
            ],
          ],
        },
      ).then(() => {
        // The property is only meaningful if some requests got through.
        expect(issued).toBeGreaterThan(0);
      }),
    fuzzTimeoutMs(),
  );
});
