// WaypointListener → CompiledListener: validates everything waypoint.proto
// says an executor must NACK, and precompiles routes and policies so a
// request only evaluates.

import { L7PolicyRejectedError, l7PolicyFromProto, type L7Policy } from '@ambient-ts/policy';
import { create } from '@bufbuild/protobuf';
import { waypoint, waypointListenerName } from '@ambient-ts/xds-types';
import type { CompiledRoute, ListenerInternals } from './compiled.js';
import { compileRoute } from './compile-route.js';
import { ListenerReader } from './listener-reader.js';

/** Features beyond the v1 baseline this executor implements: none yet. */
export const IMPLEMENTED_FEATURES: ReadonlySet<string> = new Set();

export interface CompiledListener {
  /** The resource name `<ns>/<hostname>:<port>`. */
  readonly name: string;
  readonly serviceNamespace: string;
  readonly serviceHostname: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'TCP';
  /** As received, for config dumps. */
  readonly source: waypoint.WaypointListener;
  /** Set on a fail-closed stand-in (failClosedListener): why the resource was rejected. */
  readonly rejected?: string;
}

const internals = new WeakMap<CompiledListener, ListenerInternals>();

/** The compiled form; only listeners made by compileListener have one. */
export function internalsOf(l: CompiledListener): ListenerInternals {
  const found = internals.get(l);
  if (!found) throw new TypeError(`listener ${l.name} was not produced by compileListener`);
  return found;
}

function readProtocol(r: ListenerReader, p: waypoint.Protocol): 'HTTP' | 'TCP' {
  const value: number = p;
  if (p === waypoint.Protocol.HTTP) return 'HTTP';
  if (p === waypoint.Protocol.TCP) return 'TCP';
  return r.fail(
    'protocol',
    p === waypoint.Protocol.PROTOCOL_UNSPECIFIED
      ? 'PROTOCOL_UNSPECIFIED is not allowed; expected HTTP or TCP'
      : `${value} is not a Protocol this waypoint knows (1 HTTP, 2 TCP)`,
  );
}

function readPolicies(
  r: ListenerReader,
  l: waypoint.WaypointListener,
  protocol: 'HTTP' | 'TCP',
): L7Policy[] {
  return l.policies.map((p, i) => {
    try {
      return l7PolicyFromProto(p, protocol);
    } catch (err) {
      if (!(err instanceof L7PolicyRejectedError)) throw err;
      const first = err.issues[0];
      return r.fail(`policies[${i}].${first.path}`, `${first.message} (policy ${err.key})`);
    }
  });
}

/**
 * Validates and compiles one listener. Throws ListenerRejectedError (the NACK
 * error_detail) on anything it cannot execute exactly.
 */
export function compileListener(name: string, l: waypoint.WaypointListener): CompiledListener {
  const r = new ListenerReader(name);
  l.requiredFeatures.forEach((f, i) => {
    if (!IMPLEMENTED_FEATURES.has(f)) {
      r.fail(
        `required_features[${i}]`,
        `feature ${JSON.stringify(f)} is not implemented by this waypoint (v1 baseline only)`,
      );
    }
  });
  if (l.serviceNamespace === '') r.fail('service_namespace', 'must not be empty');
  if (l.serviceHostname === '') r.fail('service_hostname', 'must not be empty');
  r.port(l.port, 'port');
  const expected = waypointListenerName({
    namespace: l.serviceNamespace,
    hostname: l.serviceHostname,
    port: l.port,
  });
  if (name !== expected) {
    r.fail('(resource name)', `does not name the listener's service port ${expected}`);
  }
  const protocol = readProtocol(r, l.protocol);
  if (protocol === 'TCP' && l.httpRoutes.length > 0) {
    r.fail('http_routes', 'a TCP listener has no HTTP routes');
  }
  if (protocol === 'HTTP' && l.tcpRoute) r.fail('tcp_route', 'an HTTP listener has no TCP route');
  const policies = readPolicies(r, l, protocol);
  const routes: CompiledRoute[] = l.httpRoutes.map((route, i) =>
    compileRoute(r, route, `http_routes[${i}]`),
  );
  let tcpRoute: ListenerInternals['tcpRoute'];
  if (l.tcpRoute) {
    r.weightedBackends(l.tcpRoute.backends, 'tcp_route.backends');
    tcpRoute = {
      ...(l.tcpRoute.name !== '' && { name: l.tcpRoute.name }),
      backends: l.tcpRoute.backends,
    };
  }
  const compiled: CompiledListener = {
    name,
    serviceNamespace: l.serviceNamespace,
    serviceHostname: l.serviceHostname,
    port: l.port,
    protocol,
    source: l,
  };
  internals.set(compiled, {
    policies,
    routes,
    ownBackend: create(waypoint.BackendSchema, {
      namespace: l.serviceNamespace,
      hostname: l.serviceHostname,
      port: l.port,
    }),
    ...(tcpRoute && { tcpRoute }),
  });
  return compiled;
}

/** The name of the deny-all policy a fail-closed stand-in carries (seen in logs as the denier). */
export const REJECTED_LISTENER_POLICY = 'waypoint-listener-rejected';

/**
 * What the waypoint runs under the name of a WaypointListener it rejected,
 * until a good version arrives or istiod removes it: one DENY matching
 * everything, no routes. An HTTP listener answers every request
 * `403 RBAC: access denied`; a TCP listener — or one whose protocol cannot be
 * read — refuses every CONNECT (401) and loses its open connections at the
 * re-check.
 *
 * Why not keep the previous version, as Envoy does for a rejected listener:
 * the rejected update may be the one that narrowed access (a new DENY, a
 * removed ALLOW), and whether the old version is wider cannot be decided from
 * a resource we could not read. Denying all is the only choice that never
 * widens access; the NACK and this stand-in's `rejected` reason say why.
 */
export function failClosedListener(
  name: string,
  message: waypoint.WaypointListener | undefined,
  reason: string,
): CompiledListener {
  const parsed = /^([^/]+)\/(.+):(\d+)$/.exec(name);
  const serviceNamespace = parsed?.[1] ?? '';
  const serviceHostname = parsed?.[2] ?? '';
  const port = Number(parsed?.[3] ?? 0);
  const protocol = message?.protocol === waypoint.Protocol.HTTP ? 'HTTP' : 'TCP';
  const listener: CompiledListener = {
    name,
    serviceNamespace,
    serviceHostname,
    port,
    protocol,
    source: message ?? create(waypoint.WaypointListenerSchema, {}),
    rejected: reason,
  };
  internals.set(listener, {
    policies: [
      {
        name: REJECTED_LISTENER_POLICY,
        namespace: serviceNamespace,
        action: 'DENY',
        dryRun: false,
        rules: [{ from: [], to: [], when: [] }],
      },
    ],
    routes: [],
    ownBackend: create(waypoint.BackendSchema, {
      namespace: serviceNamespace,
      hostname: serviceHostname,
      port,
    }),
  });
  return listener;
}
