// One WaypointListener per port of a service bound to a waypoint: its
// protocol, its routes (HTTPRoute wins over VirtualService for a port, as
// mixing them is undefined upstream), and the targetRef AuthorizationPolicies
// that attach to it (Service/ServiceEntry, the waypoint Gateway, or the
// istio-waypoint GatewayClass from the root namespace).

import { create } from '@bufbuild/protobuf';
import type { AuthzPolicy } from '@ambient-ts/policy';
import { waypoint, waypointListenerName } from '@ambient-ts/xds-types';
import { isHttpProtocol } from '../ambient/protocol.js';
import { asRecord, type KubeObject } from '../kube/objects.js';
import { rawTargetRefs, type TargetRefView } from '../ambient/policy-status.js';
import {
  compileWaypointPolicy,
  failClosedWaypointPolicy,
  type ListenerProtocol,
} from './authz-compile.js';
import { compileHttpRoutes, routesForPort } from './httproute-compile.js';
import type { L7Lookup, L7Target, TargetPort } from './l7-target.js';
import {
  compileVirtualServiceHttp,
  compileVirtualServiceTcp,
  virtualServiceApplies,
} from './virtualservice-compile.js';

export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint';

/** An AuthorizationPolicy as the compiler needs it: parsed when valid, raw always. */
export interface WaypointPolicyInput {
  readonly raw: KubeObject;
  readonly parsed?: AuthzPolicy;
}

export interface CompiledListener {
  readonly name: string;
  readonly listener: waypoint.WaypointListener;
}

function attaches(
  ref: TargetRefView,
  policyNamespace: string,
  target: L7Target,
  rootNamespace: string,
): boolean {
  const group = ref.group;
  switch (ref.kind) {
    case 'Service':
      return (
        target.kind === 'Service' &&
        (group === '' || group === 'core') &&
        ref.name === target.name &&
        (ref.namespace ?? policyNamespace) === target.namespace &&
        policyNamespace === target.namespace
      );
    case 'ServiceEntry':
      return (
        target.kind === 'ServiceEntry' &&
        group === 'networking.istio.io' &&
        ref.name === target.name &&
        policyNamespace === target.namespace
      );
    case 'Gateway':
      return (
        group === 'gateway.networking.k8s.io' &&
        `${policyNamespace}/${ref.name}` === target.waypointKey
      );
    case 'GatewayClass':
      return ref.name === WAYPOINT_GATEWAY_CLASS && policyNamespace === rootNamespace;
    default:
      return false;
  }
}

/** The targetRef policies that apply at this target's waypoint, in namespace/name order. */
export function attachedPolicies(
  policies: readonly WaypointPolicyInput[],
  target: L7Target,
  rootNamespace: string,
): WaypointPolicyInput[] {
  return policies
    .filter((p) => {
      const ns = p.raw.metadata.namespace ?? '';
      const refs = p.parsed ? p.parsed.targetRefs.map((r) => ({ ...r })) : rawTargetRefs(p.raw);
      if (!p.parsed && refs.length === 0 && hasTargetRefField(p.raw)) {
        // targetRefs present but unreadable: fail closed on everything the
        // policy's namespace could have meant (its services and its waypoints).
        return target.namespace === ns || target.waypointKey.startsWith(`${ns}/`);
      }
      return refs.some((r) => attaches(r, ns, target, rootNamespace));
    })
    .sort((a, b) => {
      const ka = `${a.raw.metadata.namespace ?? ''}/${a.raw.metadata.name ?? ''}`;
      const kb = `${b.raw.metadata.namespace ?? ''}/${b.raw.metadata.name ?? ''}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}

function hasTargetRefField(raw: KubeObject): boolean {
  const spec = asRecord(raw.spec);
  return (spec?.targetRef ?? null) !== null || (spec?.targetRefs ?? null) !== null;
}

function listenerProtocol(port: TargetPort, hasHttpRouting: boolean): ListenerProtocol {
  if (isHttpProtocol(port.protocol)) return 'HTTP';
  // Unnamed ports are opaque unless HTTP routing was attached to them.
  if (port.protocol === 'UNSUPPORTED') return hasHttpRouting ? 'HTTP' : 'TCP';
  return 'TCP';
}

export function compileListeners(
  target: L7Target,
  sources: {
    readonly httpRoutes: readonly KubeObject[];
    readonly virtualServices: readonly KubeObject[];
    readonly policies: readonly WaypointPolicyInput[];
  },
  lookup: L7Lookup,
): CompiledListener[] {
  const services = sources.virtualServices.filter((vs) =>
    virtualServiceApplies(vs, target, lookup.domainSuffix),
  );
  const policies = attachedPolicies(sources.policies, target, lookup.rootNamespace);
  return target.ports.map((port) => {
    const routes = routesForPort(sources.httpRoutes, target, port.port);
    const vsHttp = services.some((vs) => Array.isArray(asRecord(vs.spec)?.http));
    const protocol = listenerProtocol(port, routes.length > 0 || vsHttp);
    let httpRoutes: waypoint.Route[] = [];
    let tcpRoute: waypoint.TcpRoute | undefined;
    if (protocol === 'HTTP') {
      httpRoutes =
        routes.length > 0
          ? compileHttpRoutes(routes, target, port.port, lookup)
          : compileVirtualServiceHttp(services, target, port.port, lookup);
    } else {
      tcpRoute = compileVirtualServiceTcp(services, target, port.port, lookup);
    }
    const compiledPolicies = policies.flatMap((p) => {
      if (p.parsed) return [compileWaypointPolicy(p.parsed, protocol)];
      const stand = failClosedWaypointPolicy(
        p.raw.metadata.name ?? '',
        p.raw.metadata.namespace ?? '',
        asRecord(p.raw.spec)?.action,
      );
      return stand ? [stand] : [];
    });
    const listener = create(waypoint.WaypointListenerSchema, {
      serviceNamespace: target.namespace,
      serviceHostname: target.hostname,
      port: port.port,
      protocol: protocol === 'HTTP' ? waypoint.Protocol.HTTP : waypoint.Protocol.TCP,
      httpRoutes,
      ...(tcpRoute && { tcpRoute }),
      policies: compiledPolicies,
    });
    return {
      name: waypointListenerName({
        namespace: target.namespace,
        hostname: target.hostname,
        port: port.port,
      }),
      listener,
    };
  });
}
