// Who opened an ADS stream on :15012, as upstream istiod decides it
// (pilot/pkg/xds/authentication.go: the client-certificate authenticator
// first, then the Kubernetes JWT one): a mesh client certificate — its chain
// already verified by TLS against the mesh root, then the SPIFFE rules and
// our trust domain — or else the `authorization: Bearer` token, reviewed by
// the same TokenReview authenticator the CA uses (audience istio-ca).

import { X509Certificate } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { verifyPeerSvid } from '@ambient-ts/spiffe';
import { authenticateBearer, type BearerAuthOptions, type Caller } from '../ca/authenticate.js';
import { errorMessage } from '../runtime/logger.js';

/** A stream's caller and how it proved who it is. */
export interface StreamCaller extends Caller {
  readonly via: 'certificate' | 'token';
}

export type StreamAuthResult =
  | { readonly ok: true; readonly caller: StreamCaller }
  | { readonly ok: false; readonly reason: string };

/** What grpc-js tells a handler about its call (ServerSurfaceCall). */
export interface StreamCredentials {
  readonly metadata: Metadata;
  getAuthContext?(): { sslPeerCertificate?: { raw?: Buffer } };
}

/** The SPIFFE identity of a verified client certificate, or why there is none. */
function certificateCaller(
  call: StreamCredentials,
  trustDomain: string,
): StreamAuthResult | undefined {
  // grpc-js only reports a certificate whose chain TLS verified against the
  // mesh root (socket.authorized); an unverified one is absent here.
  const raw = call.getAuthContext?.().sslPeerCertificate?.raw;
  if (raw === undefined) return undefined;
  try {
    const id = verifyPeerSvid(new X509Certificate(raw), { trustDomain });
    if (id.namespace === undefined || id.serviceAccount === undefined) {
      return { ok: false, reason: `client certificate ${id.uri} is not /ns/<ns>/sa/<sa>` };
    }
    return {
      ok: true,
      caller: {
        namespace: id.namespace,
        serviceAccount: id.serviceAccount,
        identity: id.uri,
        via: 'certificate',
      },
    };
  } catch (error) {
    return { ok: false, reason: `client certificate: ${errorMessage(error)}` };
  }
}

export async function authenticateStream(
  call: StreamCredentials,
  options: BearerAuthOptions,
): Promise<StreamAuthResult> {
  const byCertificate = certificateCaller(call, options.trustDomain);
  if (byCertificate?.ok) return byCertificate;
  const byToken = await authenticateBearer(call.metadata.get('authorization'), options);
  if (byToken.ok) return { ok: true, caller: { ...byToken.caller, via: 'token' } };
  return {
    ok: false,
    reason: byCertificate ? `${byCertificate.reason}; token: ${byToken.reason}` : byToken.reason,
  };
}
