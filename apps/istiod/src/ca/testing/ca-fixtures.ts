// The set-up the CA tests share (ca-server, ca-bad-input security, the
// CreateCertificate fuzz): TokenReview answers written out field by field (so a
// test can hand the CA a malformed one), a pod table with a ztunnel on node-1,
// and a CaServer whose signer records every identity it signs — "nothing was
// signed" is what the refusal tests assert.

import { Metadata } from '@grpc/grpc-js';
import {
  CertificateAuthority,
  createCsr,
  generateWorkloadKey,
  istioIdentity,
  parseTrustDomain,
} from '@ambient-ts/spiffe';
import type { TokenReviewStatus } from '../../kube/kube-api.js';
import { silentLogger } from '../../runtime/logger.js';
import { CaServer, type CsrSigner } from '../ca-server.js';
import { NodeAuthorizer, type PodLookup } from '../node-authorizer.js';

export const TD = 'cluster.local';

/** What the API server's TokenReview says about a service account's token. */
export function review(
  ns: string,
  sa: string,
  o: {
    audiences?: string[];
    pod?: string;
    uid?: string;
    node?: string;
    authenticated?: boolean;
    error?: string;
  } = {},
): TokenReviewStatus {
  return {
    authenticated: o.authenticated ?? true,
    ...(o.error && { error: o.error }),
    audiences: o.audiences ?? ['istio-ca'],
    user: {
      username: `system:serviceaccount:${ns}:${sa}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
      extra: {
        ...(o.pod && { 'authentication.kubernetes.io/pod-name': [o.pod] }),
        ...(o.uid && { 'authentication.kubernetes.io/pod-uid': [o.uid] }),
        ...(o.node && { 'authentication.kubernetes.io/node-name': [o.node] }),
      },
    },
  };
}

/** Pods: ztunnel-a on node-1; sleep on node-1; httpbin on node-2. */
export const pods: PodLookup = {
  pod: (ns, name) =>
    ns === 'istio-system' && name === 'ztunnel-a'
      ? { uid: 'zt-uid', serviceAccount: 'ztunnel', nodeName: 'node-1' }
      : undefined,
  hasServiceAccountOnNode: (ns, sa, node) =>
    (ns === 'default' && sa === 'sleep' && node === 'node-1') ||
    (ns === 'default' && sa === 'httpbin' && node === 'node-2'),
};

/** A fresh self-signed CA for TD and a CSR (new P-256 key) naming default/sleep. */
export async function caWithSleepCsr(): Promise<{ authority: CertificateAuthority; csr: string }> {
  const authority = await CertificateAuthority.selfSigned({ trustDomain: TD });
  const key = await generateWorkloadKey();
  const csr = await createCsr(istioIdentity(parseTrustDomain(TD), 'default', 'sleep'), key);
  return { authority, csr };
}

export function bearer(token: string | undefined): Metadata {
  const md = new Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return md;
}

/**
 * A CaServer that answers TokenReview from `reviews` (an unknown token is not
 * authenticated), trusts istio-system/ztunnel to impersonate unless
 * `noNodeAuthorizer`, and records in `signed` the URI of every identity it signs.
 */
export function recordingCaServer(
  authority: CertificateAuthority,
  reviews: Record<string, TokenReviewStatus>,
  o: { noNodeAuthorizer?: boolean } = {},
): { server: CaServer; signed: string[] } {
  const signed: string[] = [];
  const signer: CsrSigner = {
    sign: async (pem, opts) => {
      signed.push(opts.identity.uri);
      return authority.sign(pem, opts);
    },
  };
  const server = new CaServer({
    signer: () => signer,
    tokenReview: (token) => Promise.resolve(reviews[token] ?? { authenticated: false }),
    audiences: ['istio-ca'],
    trustDomain: TD,
    nodeAuthorizer: o.noNodeAuthorizer
      ? undefined
      : new NodeAuthorizer(['istio-system/ztunnel'], pods, TD),
    logger: silentLogger,
  });
  return { server, signed };
}
