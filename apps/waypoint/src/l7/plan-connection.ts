// One TCP connection → what the I/O layer does with it: connection-level
// authorization, then the tcp_route (unset: the listener's own service port).

import { authorize } from './authorize.js';
import { internalsOf, type CompiledListener } from './compile-listener.js';
import type { ConnectionPlan, PeerView } from './types.js';
import { pickWeighted } from './weighted-pick.js';

export interface ConnectionView {
  readonly peer: PeerView;
  readonly destination: { readonly ip: string; readonly port: number };
}

/**
 * compileListener has rejected every HTTP attribute in a TCP listener's
 * policies, so the request fields given to the shared evaluator here are
 * placeholders no rule can read.
 */
const NO_HTTP = { method: 'GET', path: '/', authority: '', headers: {} } as const;

export function planConnection(
  l: CompiledListener,
  conn: ConnectionView,
  random: () => number = Math.random,
): ConnectionPlan {
  const inner = internalsOf(l);
  if (l.protocol !== 'TCP') {
    throw new TypeError(`planConnection: listener ${l.name} is ${l.protocol}; use planRequest`);
  }
  const authz = authorize(inner.policies, {
    ...NO_HTTP,
    peer: conn.peer,
    destination: conn.destination,
  });
  const logged = {
    ...(authz.audited.length > 0 && { audited: authz.audited }),
    ...(authz.dryRun && { dryRun: authz.dryRun }),
  };
  if (!authz.allowed) {
    return { kind: 'deny', ...(authz.policy !== undefined && { policy: authz.policy }), ...logged };
  }
  const route = inner.tcpRoute;
  if (!route) return { kind: 'forward', backend: inner.ownBackend, ...logged };
  const named = route.name !== undefined ? { route: route.name } : {};
  const backend = pickWeighted(route.backends, random)?.backend;
  return backend
    ? { kind: 'forward', backend, ...named, ...logged }
    : { kind: 'no-backend', ...named };
}
