// DeltaAggregatedResources on :15012, authenticated per stream before the
// delta-ADS server sees a single request: authenticate the caller (client
// certificate or TokenReview), hold the stream's first request (it carries
// the Node), check that the caller may be that node (stream-binding.ts), then
// hand the stream — first request put back — to the server, with the Node
// bound to its caller for the per-proxy filter.
//
// No credential, or one that does not verify: UNAUTHENTICATED
// "authentication failure" (upstream's text; the reason is only logged).
// A caller that may not be the node it claims: PERMISSION_DENIED.
//
// Until it is handed over a stream holds a slot of PendingStreams (total and
// per client address, auth-limits.ts): beyond them RESOURCE_EXHAUSTED naming
// the cap, so a flood of bad or slow tokens makes at most maxPendingStreams
// TokenReviews at once. A stream that is not authenticated and past its first
// request within firstRequestTimeoutMs is closed with DEADLINE_EXCEEDED.

import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { discovery, envoyCore } from '@ambient-ts/xds-types';
import type { BearerAuthOptions } from '../ca/authenticate.js';
import type { Logger } from '../runtime/logger.js';
import { resolveXdsAuthLimits, type XdsAuthLimits } from './auth-limits.js';
import { clientAddress, PendingStreams } from './pending-streams.js';
import { refusalCachingReviewer } from './refused-tokens.js';
import { authorizeStream, type BindingContext } from './stream-binding.js';
import { authenticateStream, type StreamCaller } from './stream-identity.js';

export const XDS_AUTHN_FAILURE = 'authentication failure';

type AdsCall = ServerDuplexStream<
  discovery.DeltaDiscoveryRequest,
  discovery.DeltaDiscoveryResponse
>;

export interface AuthenticatedAdsOptions {
  readonly auth: BearerAuthOptions;
  readonly binding: BindingContext;
  /** Records which caller a stream's Node belongs to (read by the xDS filter). */
  readonly bind: (node: envoyCore.Node, caller: StreamCaller) => void;
  /** The delta-ADS server's handler. */
  readonly serve: (call: AdsCall) => void;
  readonly logger: Logger;
  /** Overrides of DEFAULT_XDS_AUTH_LIMITS. */
  readonly limits?: Partial<XdsAuthLimits>;
}

/** Resolves with the stream's first request, pausing the stream there; undefined if it ended first. */
function firstRequest(call: AdsCall): Promise<discovery.DeltaDiscoveryRequest | undefined> {
  return new Promise((resolve) => {
    const done = (request: discovery.DeltaDiscoveryRequest | undefined): void => {
      call.off('data', onData);
      call.off('end', onEnd);
      call.off('cancelled', onEnd);
      call.off('error', onEnd);
      resolve(request);
    };
    const onData = (request: discovery.DeltaDiscoveryRequest): void => {
      call.pause();
      done(request);
    };
    const onEnd = (): void => {
      done(undefined);
    };
    call.on('data', onData);
    call.once('end', onEnd);
    call.once('cancelled', onEnd);
    call.once('error', onEnd);
  });
}

export function authenticatedAdsHandler(options: AuthenticatedAdsOptions): (call: AdsCall) => void {
  const { logger } = options;
  const limits = resolveXdsAuthLimits(options.limits);
  const pending = new PendingStreams(limits);
  const auth = {
    ...options.auth,
    tokenReview: refusalCachingReviewer(options.auth.tokenReview, {
      ttlMs: limits.refusedTokenTtlMs,
      maxEntries: limits.refusedTokenEntries,
    }),
  };
  return (call) => {
    const peer = call.getPeer();
    const release = pending.admit(clientAddress(peer));
    if (release instanceof Error) {
      logger.warn({ peer, limit: release.limit }, 'refusing xDS stream: limit reached');
      call.emit('error', { code: status.RESOURCE_EXHAUSTED, details: release.message });
      return;
    }
    // One answer per stream: the deadline and the authentication race.
    let answered = false;
    const refuse = (code: status, details: string): void => {
      if (answered) return;
      answered = true;
      call.emit('error', { code, details });
    };
    let authenticated = false;
    const deadline = setTimeout(() => {
      refuse(
        status.DEADLINE_EXCEEDED,
        authenticated
          ? `no first DeltaDiscoveryRequest within ${limits.firstRequestTimeoutMs} ms of opening the stream`
          : `authentication did not finish within ${limits.firstRequestTimeoutMs} ms of opening the stream`,
      );
    }, limits.firstRequestTimeoutMs);
    const first = firstRequest(call);
    void (async () => {
      // The slot is held until this settles, even if the stream is gone: the
      // cap bounds TokenReviews in flight, not just open streams.
      const result = await authenticateStream(call, auth);
      authenticated = true;
      if (answered) return;
      if (!result.ok) {
        logger.warn({ peer, reason: result.reason }, 'xDS stream authentication failed');
        refuse(status.UNAUTHENTICATED, XDS_AUTHN_FAILURE);
        return;
      }
      const request = await first;
      // Gone while we authenticated (or past the deadline): the server must
      // not adopt a dead stream (its 'cancelled' has fired already and would
      // never reach it).
      if (answered || request === undefined || call.cancelled || call.destroyed) return;
      const node = request.node;
      if (node === undefined) {
        refuse(
          status.INVALID_ARGUMENT,
          'the first DeltaDiscoveryRequest on a stream must carry node (the proxy identity)',
        );
        return;
      }
      const verdict = authorizeStream(result.caller, node, options.binding);
      if (!verdict.ok) {
        logger.warn(
          { peer, caller: result.caller.identity, node: node.id, reason: verdict.reason },
          'xDS stream refused: the caller may not be this proxy',
        );
        refuse(status.PERMISSION_DENIED, `authorization failed: ${verdict.reason}`);
        return;
      }
      answered = true;
      options.bind(node, result.caller);
      // The server takes over: the held request goes back in front, the
      // server attaches its listeners, and the stream flows again.
      call.unshift(request);
      options.serve(call);
      call.resume();
    })()
      .catch((error: unknown) => {
        logger.error(
          { peer, error: error instanceof Error ? error.message : String(error) },
          'xDS stream authentication crashed',
        );
        refuse(status.INTERNAL, 'internal error');
      })
      .finally(() => {
        clearTimeout(deadline);
        release();
      });
  };
}
