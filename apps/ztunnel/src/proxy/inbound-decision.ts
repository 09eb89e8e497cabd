// Whether an inbound connection to a local pod may proceed, and to which
// port (upstream's build_inbound_request + assert_rbac). Pure; the same
// authorization check re-runs for live connections after a policy push.

import { evaluateL4, type Decision } from '@ambient-ts/policy';
import type { SpiffeId } from '@ambient-ts/spiffe';
import {
  type IpAddr,
  serviceKey,
  workloadIdentityUri,
  type Service,
  type Workload,
  type ProxyState,
} from '@ambient-ts/workload-state';
import type { InboundAuthorization } from './connection-manager.js';
import { ILLEGAL_PORTS } from './outbound-route.js';

export type InboundVerdict =
  | {
      readonly allow: true;
      readonly port: number;
      readonly service: Service | undefined;
      readonly decision: Decision;
    }
  | {
      readonly allow: false;
      readonly status: 400 | 401 | 503;
      readonly flag: '-' | 'DENY' | 'CONNECT';
      readonly reason: string;
    };

export interface InboundInput {
  readonly state: ProxyState;
  /** The destination pod's xDS workload. */
  readonly local: Workload;
  /** The address the connection landed on (the pod IP). */
  readonly localIp: IpAddr;
  /** The verified mTLS peer; undefined for plaintext (15006). */
  readonly peer: SpiffeId | undefined;
  readonly srcIp: IpAddr;
  /** HBONE: the CONNECT authority; plaintext: the original destination. */
  readonly target: { readonly ip: IpAddr; readonly port: number };
  /** `host=` of the Forwarded header, when the client addressed a service. */
  readonly forwardedHost?: string;
  /** Refuse traffic that bypasses the workload's waypoint. */
  readonly enforceWaypoint: boolean;
}

/** The identities of a waypoint's pods (and its service SANs). */
function waypointIdentities(state: ProxyState, w: Workload): Set<string> {
  const out = new Set<string>();
  const g = w.waypoint;
  if (!g) return out;
  const svc =
    g.kind === 'hostname'
      ? state.serviceByKey(`${g.namespace}/${g.hostname}`)
      : state.servicesByVip(g.address)[0];
  if (svc) {
    for (const ep of state.endpoints(serviceKey(svc))) out.add(workloadIdentityUri(ep.workload));
    for (const san of svc.subjectAltNames) out.add(san);
  } else if (g.kind === 'address') {
    const wp = state.workloadByAddress(g.address);
    if (wp) out.add(workloadIdentityUri(wp));
  }
  return out;
}

/** Is the local workload the waypoint of the HBONE target (the "sandwich")? */
function isWaypointForTarget(state: ProxyState, local: Workload, targetIp: IpAddr): boolean {
  const address = { network: local.network, address: targetIp };
  const target = state.servicesByVip(address)[0] ?? state.workloadByAddress(address);
  const g = target?.waypoint;
  if (!g) return false;
  if (g.kind === 'address') {
    if (local.addresses.includes(g.address.address)) return true;
    const svc = state.servicesByVip(g.address)[0];
    return svc ? local.services.has(serviceKey(svc)) : false;
  }
  return local.services.has(`${g.namespace}/${g.hostname}`);
}

/** The service the connection was for: Forwarded host first, else the first whose target port matches. */
export function inboundService(
  state: ProxyState,
  local: Workload,
  port: number,
  forwardedHost?: string,
): Service | undefined {
  const services = state.servicesOfWorkload(local.uid);
  if (forwardedHost) {
    const byHost = services.find((s) => s.hostname === forwardedHost);
    if (byHost) return byHost;
  }
  return services.find((s) => {
    const ports = local.services.get(serviceKey(s));
    for (const [svcPort, target] of s.ports) {
      const effective = ports?.get(svcPort) || target;
      if (effective === port) return true;
    }
    return false;
  });
}

/** The L4 authorization decision for a connection to `local`. */
export function authorizeInbound(
  state: ProxyState,
  local: Workload,
  conn: {
    readonly peer: SpiffeId | undefined;
    readonly srcIp: IpAddr;
    readonly dstIp: IpAddr;
    readonly port: number;
  },
): Decision {
  const selection = state.policiesFor(local);
  const peer = conn.peer;
  return evaluateL4(
    selection.policies,
    {
      ...(peer?.namespace !== undefined && peer.serviceAccount !== undefined
        ? {
            sourceIdentity: {
              trustDomain: peer.trustDomain,
              namespace: peer.namespace,
              serviceAccount: peer.serviceAccount,
            },
          }
        : {}),
      sourceIp: conn.srcIp,
      destinationIp: conn.dstIp,
      destinationPort: conn.port,
    },
    { missingPolicies: selection.missing },
  );
}

/**
 * The re-check of an open inbound connection after a push. A destination
 * workload that is no longer in xDS has no policies to check against, so the
 * connection is denied (fail closed), not kept.
 */
export function stillAuthorized(state: ProxyState, a: InboundAuthorization): boolean {
  const w = state.workloadByUid(a.workloadUid);
  if (!w) return false;
  return authorizeInbound(state, w, {
    peer: a.peer,
    srcIp: a.srcIp,
    dstIp: a.dstIp,
    port: a.port,
  }).allowed;
}

export function decideInbound(i: InboundInput): InboundVerdict {
  const { state, local } = i;
  if (
    i.peer !== undefined &&
    i.target.ip !== i.localIp &&
    !local.applicationTunnel &&
    !isWaypointForTarget(state, local, i.target.ip)
  ) {
    return {
      allow: false,
      status: 400,
      flag: '-',
      reason: `ip mismatch: ${i.localIp} != ${i.target.ip}`,
    };
  }
  const port = i.target.port;
  if (ILLEGAL_PORTS.has(port)) {
    return {
      allow: false,
      status: 503,
      flag: '-',
      reason: 'attempted recursive call to ourselves',
    };
  }
  if (i.enforceWaypoint && local.waypoint) {
    const allowed = waypointIdentities(state, local);
    if (!i.peer || !allowed.has(i.peer.uri)) {
      return {
        allow: false,
        status: 401,
        flag: 'DENY',
        reason:
          `connection closed due to policy rejection: ${i.peer?.uri ?? 'a plaintext client'} ` +
          `bypasses the waypoint of ${local.namespace}/${local.name}`,
      };
    }
  }
  const decision = authorizeInbound(state, local, {
    peer: i.peer,
    srcIp: i.srcIp,
    dstIp: i.localIp,
    port,
  });
  if (!decision.allowed) {
    return {
      allow: false,
      status: 401,
      flag: 'DENY',
      reason: `connection closed due to policy rejection: ${decision.reason}`,
    };
  }
  return {
    allow: true,
    port,
    service: inboundService(state, local, port, i.forwardedHost),
    decision,
  };
}

/** `host=` of a Forwarded header value. */
export function forwardedHost(header: string | string[] | undefined): string | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  const m = v ? /(?:^|;)\s*host=("?)([^;",]+)\1/i.exec(v) : null;
  return m?.[2];
}
