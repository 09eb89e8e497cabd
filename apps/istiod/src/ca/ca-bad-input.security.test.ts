// reliability.md §6 rows 13 (CA impersonation) and 14 (TokenReview): a caller
// of istiod's CA on real gRPC (loopback, the CA service definition and the
// real CaServer, CertificateAuthority and NodeAuthorizer; TokenReview answers
// come from a table). Every refused request gets the same opaque
// Unauthenticated text and no certificate is signed; the control case issues
// exactly one URI SAN. Moved here from ca-server.test.ts.

import { X509Certificate } from 'node:crypto';
import {
  Client,
  credentials,
  Server,
  ServerCredentials,
  status,
  type ServiceError,
} from '@grpc/grpc-js';
import { create, toBinary } from '@bufbuild/protobuf';
import { recordAttack } from '@ambient-ts/security-table';
import type { CertificateAuthority } from '@ambient-ts/spiffe';
import {
  ca as caProto,
  IstioCertificateServiceClient,
  istioCertificateServiceDefinition,
} from '@ambient-ts/xds-types';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TokenReviewStatus } from '../kube/kube-api.js';
import { AUTHN_FAILURE, IMPERSONATION_FAILURE } from './ca-server.js';
import { bearer, caWithSleepCsr, recordingCaServer, review } from './testing/ca-fixtures.js';

const TOKEN_REVIEW = '§6.14 TokenReview';
const IMPERSONATION = '§6.13 CA impersonation';

let authority: CertificateAuthority;
let csr: string;
beforeAll(async () => {
  ({ authority, csr } = await caWithSleepCsr());
}, 60_000);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function request(impersonate?: unknown): caProto.IstioCertificateRequest {
  return create(caProto.IstioCertificateRequestSchema, {
    csr,
    validityDuration: 3600n,
    ...(impersonate !== undefined && {
      metadata: { ImpersonatedIdentity: impersonate as string },
    }),
  });
}

/** The CA on a real gRPC server on 127.0.0.1:0, and a client of it. */
async function setup(
  reviews: Record<string, TokenReviewStatus>,
  o: { noNodeAuthorizer?: boolean } = {},
) {
  const { server: ca, signed } = recordingCaServer(authority, reviews, o);
  const server = new Server();
  server.addService(istioCertificateServiceDefinition, ca.handlers());
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => {
      if (err) reject(err);
      else resolve(p);
    });
  });
  const client = new IstioCertificateServiceClient(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  );
  cleanups.push(() => {
    client.close();
    server.forceShutdown();
  });
  const call = async (impersonate: unknown, token: string | undefined): Promise<ServiceError> => {
    try {
      await client.createCertificate(request(impersonate), bearer(token));
    } catch (error) {
      return error as ServiceError;
    }
    throw new Error('expected the CA to refuse');
  };
  return { client, call, signed };
}

describe('CreateCertificate on bad input (§6 rows 13, 14)', () => {
  const denied: [string, Record<string, TokenReviewStatus>, string | undefined, unknown, string][] =
    [
      ['no token', {}, undefined, undefined, AUTHN_FAILURE],
      ['an unknown token', {}, 'nope', undefined, AUTHN_FAILURE],
      [
        'a token for another audience',
        { t: review('default', 'sleep', { audiences: ['kubernetes'] }) },
        't',
        undefined,
        AUTHN_FAILURE,
      ],
      [
        'a token valid only for the API server (no audiences)',
        { t: review('default', 'sleep', { audiences: [] }) },
        't',
        undefined,
        AUTHN_FAILURE,
      ],
      [
        'a review with an error',
        { t: review('default', 'sleep', { error: 'expired' }) },
        't',
        undefined,
        AUTHN_FAILURE,
      ],
      [
        'a non-service-account user',
        {
          t: {
            authenticated: true,
            audiences: ['istio-ca'],
            user: { username: 'admin', groups: ['system:masters'] },
          },
        },
        't',
        undefined,
        AUTHN_FAILURE,
      ],
      [
        'impersonation by an untrusted caller',
        { t: review('default', 'sleep', { pod: 'sleep-1', uid: 'u', node: 'node-1' }) },
        't',
        'spiffe://cluster.local/ns/default/sa/httpbin',
        IMPERSONATION_FAILURE,
      ],
      [
        'impersonating a service account with no pod on the caller’s node',
        {
          zt: review('istio-system', 'ztunnel', {
            pod: 'ztunnel-a',
            uid: 'zt-uid',
            node: 'node-1',
          }),
        },
        'zt',
        'spiffe://cluster.local/ns/default/sa/httpbin',
        IMPERSONATION_FAILURE,
      ],
      [
        'a recreated ztunnel pod (stale UID)',
        {
          zt: review('istio-system', 'ztunnel', {
            pod: 'ztunnel-a',
            uid: 'old-uid',
            node: 'node-1',
          }),
        },
        'zt',
        'spiffe://cluster.local/ns/default/sa/sleep',
        IMPERSONATION_FAILURE,
      ],
      [
        'an identity that is not SPIFFE',
        { zt: review('istio-system', 'ztunnel', { pod: 'ztunnel-a', uid: 'zt-uid' }) },
        'zt',
        'default/sleep',
        IMPERSONATION_FAILURE,
      ],
      [
        'an identity in another trust domain',
        { zt: review('istio-system', 'ztunnel', { pod: 'ztunnel-a', uid: 'zt-uid' }) },
        'zt',
        'spiffe://evil.example/ns/default/sa/sleep',
        IMPERSONATION_FAILURE,
      ],
      [
        'a token not bound to a pod',
        { zt: review('istio-system', 'ztunnel') },
        'zt',
        'spiffe://cluster.local/ns/default/sa/sleep',
        IMPERSONATION_FAILURE,
      ],
      [
        'a non-string ImpersonatedIdentity',
        { zt: review('istio-system', 'ztunnel', { pod: 'ztunnel-a', uid: 'zt-uid' }) },
        'zt',
        42,
        IMPERSONATION_FAILURE,
      ],
      [
        'two identities in one impersonation request',
        {
          zt: review('istio-system', 'ztunnel', {
            pod: 'ztunnel-a',
            uid: 'zt-uid',
            node: 'node-1',
          }),
        },
        'zt',
        'spiffe://cluster.local/ns/default/sa/sleep,spiffe://cluster.local/ns/default/sa/httpbin',
        IMPERSONATION_FAILURE,
      ],
      [
        'a malformed service-account username',
        {
          t: {
            authenticated: true,
            audiences: ['istio-ca'],
            user: {
              username: 'system:serviceaccount:default',
              groups: ['system:serviceaccounts', 'system:serviceaccounts:default'],
            },
          },
        },
        't',
        undefined,
        AUTHN_FAILURE,
      ],
    ];
  it.each(denied)(
    'refuses %s with Unauthenticated and signs nothing',
    async (name, reviews, token, impersonate, details) => {
      const { call, signed } = await setup(reviews);
      const error = await call(impersonate, token);
      expect(error.code).toBe(status.UNAUTHENTICATED);
      expect(error.details).toBe(details);
      expect(signed).toEqual([]);
      recordAttack({
        finding: details === AUTHN_FAILURE ? TOKEN_REVIEW : IMPERSONATION,
        attack: name,
        sent: `CreateCertificate, token ${token === undefined ? 'none' : `"${token}"`}${impersonate === undefined ? '' : `, ImpersonatedIdentity ${JSON.stringify(impersonate)}`}`,
        happened: `${status[error.code]} "${error.details}", ${signed.length} certificates signed`,
      });
    },
  );

  it('refuses impersonation when no trusted node accounts are configured', async () => {
    const { call, signed } = await setup(
      { x: review('istio-system', 'ztunnel', { pod: 'ztunnel-a', uid: 'zt-uid' }) },
      { noNodeAuthorizer: true },
    );
    const error = await call('spiffe://cluster.local/ns/default/sa/sleep', 'x');
    expect([error.code, error.details]).toEqual([status.UNAUTHENTICATED, IMPERSONATION_FAILURE]);
    expect(signed).toEqual([]);
    recordAttack({
      finding: IMPERSONATION,
      attack: 'impersonation with no node authorizer configured',
      sent: 'ztunnel token, ImpersonatedIdentity spiffe://cluster.local/ns/default/sa/sleep; CA_TRUSTED_NODE_ACCOUNTS empty',
      happened: `${status[error.code]} "${error.details}", ${signed.length} certificates signed`,
    });
  });

  it('the legitimate impersonation issues exactly one URI SAN (the control case)', async () => {
    const { client, signed } = await setup({
      zt: review('istio-system', 'ztunnel', { pod: 'ztunnel-a', uid: 'zt-uid', node: 'node-1' }),
    });
    const res = await client.createCertificate(
      request('spiffe://cluster.local/ns/default/sa/sleep'),
      bearer('zt'),
    );
    const san = new X509Certificate(res.certChain[0] ?? '').subjectAltName;
    expect(san).toBe('URI:spiffe://cluster.local/ns/default/sa/sleep');
    expect(signed).toHaveLength(1);
    recordAttack({
      finding: IMPERSONATION,
      attack: 'control: ztunnel impersonating a pod on its node',
      sent: 'ztunnel token bound to ztunnel-a on node-1, ImpersonatedIdentity default/sleep (pod on node-1)',
      happened: `OK, leaf SAN ${san ?? 'none'}, ${signed.length} certificate signed`,
    });
  });

  it('request bytes with a number in the metadata cut short get a status, and the CA keeps serving (fuzz counterexample)', async () => {
    const { client, signed } = await setup({ t: review('default', 'sleep') });
    const whole = toBinary(
      caProto.IstioCertificateRequestSchema,
      create(caProto.IstioCertificateRequestSchema, {
        csr: ' ',
        metadata: { ImpersonatedIdentity: -2.78e-16 },
      }),
    );
    // The double's last bytes are missing: protobuf-es throws a RangeError from DataView.
    const cut = Buffer.from(whole.subarray(0, whole.length - 3));
    const target = client.getChannel().getTarget().replace(/^dns:/, '');
    const raw = new Client(target, credentials.createInsecure());
    const error = await new Promise<ServiceError>((resolve, reject) => {
      raw.makeUnaryRequest(
        istioCertificateServiceDefinition.CreateCertificate.path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        cut,
        bearer('t'),
        (err) => {
          if (err) resolve(err);
          else reject(new Error('the CA answered truncated bytes'));
        },
      );
    });
    raw.close();
    expect(error.code).not.toBe(status.OK);
    expect(signed).toEqual([]);
    // Still serving: the next well-formed request is signed.
    await client.createCertificate(request(), bearer('t'));
    expect(signed).toHaveLength(1);
    recordAttack({
      finding: '§6.16 decoder fuzz',
      attack: 'CreateCertificate bytes with a truncated double in metadata (fuzz counterexample)',
      sent: `${cut.length} request bytes, the Struct number cut 3 bytes short`,
      happened: `${status[error.code]} "${error.details}"; next request signed`,
    });
  });
});
