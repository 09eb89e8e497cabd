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

import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { discovery, envoyCore } from '@ambient-ts/xds-types';
import type { BearerAuthOptions } from '../ca/authenticate.js';
import type { Logger } from '../runtime/logger.js';
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
  return (call) => {
    const peer = call.getPeer();
    const first = firstRequest(call);
    void (async () => {
      const auth = await authenticateStream(call, options.auth);
      if (!auth.ok) {
        logger.warn({ peer, reason: auth.reason }, 'xDS stream authentication failed');
        call.emit('error', { code: status.UNAUTHENTICATED, details: XDS_AUTHN_FAILURE });
        return;
      }
      const request = await first;
      // Gone while we authenticated: the server must not adopt a dead stream
      // (its 'cancelled' has fired already and would never reach it).
      if (request === undefined || call.cancelled || call.destroyed) return;
      const node = request.node;
      if (node === undefined) {
        call.emit('error', {
          code: status.INVALID_ARGUMENT,
          details:
            'the first DeltaDiscoveryRequest on a stream must carry node (the proxy identity)',
        });
        return;
      }
      const verdict = authorizeStream(auth.caller, node, options.binding);
      if (!verdict.ok) {
        logger.warn(
          { peer, caller: auth.caller.identity, node: node.id, reason: verdict.reason },
          'xDS stream refused: the caller may not be this proxy',
        );
        call.emit('error', {
          code: status.PERMISSION_DENIED,
          details: `authorization failed: ${verdict.reason}`,
        });
        return;
      }
      options.bind(node, auth.caller);
      // The server takes over: the held request goes back in front, the
      // server attaches its listeners, and the stream flows again.
      call.unshift(request);
      options.serve(call);
      call.resume();
    })().catch((error: unknown) => {
      logger.error(
        { peer, error: error instanceof Error ? error.message : String(error) },
        'xDS stream authentication crashed',
      );
      call.emit('error', { code: status.INTERNAL, details: 'internal error' });
    });
  };
}
