// Where an outbound connection goes (upstream's build_request), decided from
// the state alone. Pure: randomness is injected.
//
// 1. Loopback destinations on our own ports are refused (recursion).
// 2. A service VIP: to the service's waypoint if it has one (authority = the
//    original VIP:port), else to one healthy endpoint picked by the service's
//    load-balancing rules, weighted by capacity.
// 3. A workload IP: to the workload's waypoint if it has one, else direct.
// 4. Direct: HBONE to podIP:15008 with authority podIP:targetPort when the
//    destination speaks HBONE, plain TCP to podIP:targetPort otherwise.
// 5. Anything unknown: plain TCP passthrough to the original destination.

import {
  ipFamily,
  socketAddr,
  type IpAddr,
  serviceKey,
  workloadIdentityUri,
  pickEndpoint,
  type GatewayAddress,
  type Service,
  type Workload,
  type ProxyState,
} from '@ambient-ts/workload-state';

export const HBONE_PORT = 15008;
/** Ports a destination may never be: ztunnel's own in-pod listeners. */
export const ILLEGAL_PORTS: ReadonlySet<number> = new Set([15001, 15006, 15008]);

export interface Target {
  readonly ip: IpAddr;
  readonly port: number;
}

export type OutboundRoute =
  | {
      /** Not in the mesh: plain TCP to where the app wanted to go. */
      readonly kind: 'passthrough';
      readonly target: Target;
      readonly service?: Service;
    }
  | {
      /** A mesh workload that does not speak HBONE: plain TCP to it. */
      readonly kind: 'tcp';
      readonly target: Target;
      readonly destination: Workload;
      readonly service?: Service;
    }
  | {
      readonly kind: 'hbone';
      /** The HBONE server: podIP:15008 or the waypoint's hbone_mtls_port. */
      readonly nextHop: Target;
      /** The CONNECT authority. */
      readonly authority: string;
      /** The server must present one of these SPIFFE identities. */
      readonly expectedIdentities: readonly string[];
      /** The workload we connect to (the waypoint's, when going through one). */
      readonly destination: Workload;
      readonly service?: Service;
      /** Set when the hop is a waypoint. */
      readonly viaWaypoint: boolean;
    }
  | { readonly kind: 'refuse'; readonly reason: string };

export interface RouteInput {
  readonly state: ProxyState;
  /** The local (client) workload. */
  readonly source: Workload;
  readonly destination: Target;
  /** [0, 1) */
  readonly random: () => number;
}

export function planOutbound(input: RouteInput): OutboundRoute {
  const { state, source, destination: dst } = input;
  if ((dst.ip === '::1' || dst.ip.startsWith('127.')) && ILLEGAL_PORTS.has(dst.port)) {
    return { kind: 'refuse', reason: 'attempted recursive call to ourselves' };
  }
  const network = source.network;
  const services = state.servicesByVip({ network, address: dst.ip });
  if (services.length > 0) {
    const service = services.find((s) => s.namespace === source.namespace) ?? services[0];
    if (service) return serviceRoute(input, service);
  }

  const workload = state.workloadByAddress({ network, address: dst.ip });
  if (!workload) return { kind: 'passthrough', target: dst };
  if (workload.waypoint && !isWaypointOf(state, source, workload.waypoint)) {
    const wp = resolveWaypoint(state, workload.waypoint, input.random);
    if (wp.kind === 'refuse') return wp;
    return {
      kind: 'hbone',
      nextHop: wp.target,
      authority: socketAddr(dst.ip, dst.port),
      expectedIdentities: wp.identities,
      destination: wp.workload,
      viaWaypoint: true,
    };
  }
  return directRoute(workload, dst.ip, dst.port, undefined);
}

function serviceRoute(input: RouteInput, service: Service): OutboundRoute {
  const { state, source, destination: dst, random } = input;
  if (service.waypoint && !isWaypointOf(state, source, service.waypoint)) {
    const wp = resolveWaypoint(state, service.waypoint, random);
    if (wp.kind === 'refuse') return wp;
    return {
      kind: 'hbone',
      nextHop: wp.target,
      authority: socketAddr(dst.ip, dst.port),
      expectedIdentities: wp.identities,
      destination: wp.workload,
      service,
      viaWaypoint: true,
    };
  }
  const picked = pickEndpoint(state, service, source, dst.port, ipFamily(dst.ip), random);
  if (!picked) {
    if (service.loadBalancing?.mode === 'PASSTHROUGH') {
      return { kind: 'passthrough', target: dst, service };
    }
    return { kind: 'refuse', reason: `no healthy upstream: ${socketAddr(dst.ip, dst.port)}` };
  }
  return directRoute(picked.workload, picked.ip, picked.port, service);
}

function directRoute(
  w: Workload,
  ip: IpAddr,
  port: number,
  service: Service | undefined,
): OutboundRoute {
  if (w.protocol === 'HBONE') {
    const identities = [workloadIdentityUri(w), ...(service?.subjectAltNames ?? [])];
    return {
      kind: 'hbone',
      nextHop: { ip, port: HBONE_PORT },
      // Direct traffic names the pod, never the VIP.
      authority: socketAddr(ip, port),
      expectedIdentities: [...new Set(identities)],
      destination: w,
      ...(service ? { service } : {}),
      viaWaypoint: false,
    };
  }
  return { kind: 'tcp', target: { ip, port }, destination: w, ...(service ? { service } : {}) };
}

type ResolvedWaypoint =
  | {
      readonly kind: 'ok';
      readonly target: Target;
      readonly identities: string[];
      readonly workload: Workload;
    }
  | { readonly kind: 'refuse'; readonly reason: string };

function describeGateway(g: GatewayAddress): string {
  return g.kind === 'hostname'
    ? `${g.namespace}/${g.hostname}`
    : `${g.address.network}/${g.address.address}`;
}

/** Resolves a waypoint reference to one of its pods at its HBONE port. */
export function resolveWaypoint(
  state: ProxyState,
  g: GatewayAddress,
  random: () => number,
): ResolvedWaypoint {
  const port = g.hboneMtlsPort || HBONE_PORT;
  let service: Service | undefined;
  if (g.kind === 'hostname') {
    service = state.serviceByKey(`${g.namespace}/${g.hostname}`);
  } else {
    service = state.servicesByVip(g.address)[0];
    if (!service) {
      const w = state.workloadByAddress(g.address);
      if (w) {
        return {
          kind: 'ok',
          target: { ip: g.address.address, port },
          identities: [workloadIdentityUri(w)],
          workload: w,
        };
      }
    }
  }
  if (!service) {
    return { kind: 'refuse', reason: `failed to find waypoint for: ${describeGateway(g)}` };
  }
  // Waypoint endpoints are picked by reachability alone: any healthy pod of the waypoint service.
  const eps = state
    .endpoints(serviceKey(service))
    .filter((e) => e.workload.status === 'Healthy' && e.workload.addresses.length > 0);
  if (eps.length === 0) {
    return { kind: 'refuse', reason: `no healthy upstream: waypoint ${describeGateway(g)}` };
  }
  const w = (eps[Math.floor(random() * eps.length)] ?? eps[0])?.workload;
  const ip = w?.addresses[0];
  if (!w || !ip) {
    return { kind: 'refuse', reason: `no healthy upstream: waypoint ${describeGateway(g)}` };
  }
  return {
    kind: 'ok',
    target: { ip, port },
    identities: [...new Set([workloadIdentityUri(w), ...service.subjectAltNames])],
    workload: w,
  };
}

/** True when `source` is (one of the pods of) the waypoint `g`: it must not loop back to itself. */
export function isWaypointOf(state: ProxyState, source: Workload, g: GatewayAddress): boolean {
  if (g.kind === 'address') {
    if (source.addresses.includes(g.address.address)) return true;
    const svc = state.servicesByVip(g.address)[0];
    return svc ? source.services.has(serviceKey(svc)) : false;
  }
  return source.services.has(`${g.namespace}/${g.hostname}`);
}
