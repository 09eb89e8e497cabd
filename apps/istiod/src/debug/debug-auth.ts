// Who may read istiod's /debug/ endpoints: a caller whose token TokenReview
// accepts (the CA's authenticator, audience istio-ca) for a service account
// of istiod's own namespace — what istioctl sends (a TokenRequest token for
// `default` in the Istio namespace, as upstream istioctl requests for xDS).
//
// The token comes in `Authorization: Bearer <token>`, or in
// `X-Istio-Debug-Authorization: Bearer <token>`: the API server's pod proxy,
// which istioctl goes through, removes the Authorization header of every
// request it has authenticated, and passes other headers on.

import type http from 'node:http';
import { authenticateBearer, type BearerAuthOptions } from '../ca/authenticate.js';
import type { Logger } from '../runtime/logger.js';
import type { DebugAuthorizer } from './monitoring-server.js';

export const DEBUG_AUTHORIZATION_HEADER = 'x-istio-debug-authorization';

export interface DebugAuthOptions extends BearerAuthOptions {
  /** istiod's namespace (POD_NAMESPACE). */
  readonly namespace: string;
  readonly logger: Logger;
}

export function debugAuthorizer(options: DebugAuthOptions): DebugAuthorizer {
  return async (req: http.IncomingMessage) => {
    const value = req.headers.authorization ?? req.headers[DEBUG_AUTHORIZATION_HEADER];
    const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
    const result = await authenticateBearer(values, options);
    const peer = req.socket.remoteAddress;
    if (!result.ok) {
      options.logger.warn({ peer, path: req.url, reason: result.reason }, 'debug request refused');
      return false;
    }
    if (result.caller.namespace !== options.namespace) {
      options.logger.warn(
        { peer, path: req.url, caller: result.caller.identity },
        `debug request refused: only service accounts of ${options.namespace} may read /debug/`,
      );
      return false;
    }
    return true;
  };
}
