// Builders for tests: listeners as istiod emits them and request views.

import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { waypoint } from '@ambient-ts/xds-types';
import { compileListener, type CompiledListener } from './compile-listener.js';
import type { HttpRequestView } from './types.js';

export const NS = 'bookinfo';
export const HOST = 'reviews.bookinfo.svc.cluster.local';
export const PORT = 9080;
export const NAME = `${NS}/${HOST}:${PORT}`;

export type ListenerInit = MessageInitShape<typeof waypoint.WaypointListenerSchema>;
/** A route as a plain init object (not an already-built message), so it can be spread. */
export type RouteInit = Exclude<MessageInitShape<typeof waypoint.RouteSchema>, waypoint.Route>;

export function listener(init: ListenerInit = {}): waypoint.WaypointListener {
  return create(waypoint.WaypointListenerSchema, {
    serviceNamespace: NS,
    serviceHostname: HOST,
    port: PORT,
    protocol: waypoint.Protocol.HTTP,
    ...init,
  });
}

export function compiled(init: ListenerInit = {}): CompiledListener {
  return compileListener(NAME, listener(init));
}

export function backend(name: string, port = PORT, subset?: string): waypoint.Backend {
  return create(waypoint.BackendSchema, {
    namespace: NS,
    hostname: `${name}.${NS}.svc.cluster.local`,
    port,
    ...(subset !== undefined && { subset: { name: subset } }),
  });
}

export function forwardTo(...names: string[]): RouteInit['action'] {
  return {
    case: 'forward',
    value: { backends: names.map((n) => ({ backend: backend(n), weight: 1 })) },
  };
}

export function request(init: Partial<HttpRequestView> = {}): HttpRequestView {
  return {
    method: 'GET',
    path: '/',
    authority: `reviews:${PORT}`,
    headers: {},
    peer: { identity: 'spiffe://cluster.local/ns/bookinfo/sa/productpage', ip: '10.0.0.5' },
    destination: { ip: '10.96.0.10', port: PORT },
    ...init,
  };
}

/** A random() that returns the given values in turn (then the last one). */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}
