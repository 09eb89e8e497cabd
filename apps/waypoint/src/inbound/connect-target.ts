// Which listener an HBONE CONNECT to this waypoint is for. ztunnel addresses a
// service waypoint with the service's `VIP:port` as the CONNECT authority
// (ARCHITECTURE.md §2), so the VIP names the service through WDS and the
// (service, port) pair names the WaypointListener istiod compiled for it.
// Pure: the state and the table are passed in.

import { parseIp, type ProxyState, type Service } from '@ambient-ts/workload-state';
import type { CompiledListener } from '../l7/index.js';
import type { ListenerTable } from '../listeners/listener-table.js';

export type ConnectTarget =
  | { readonly kind: 'listener'; readonly listener: CompiledListener; readonly service: Service }
  | {
      readonly kind: 'reject';
      /** 400: not an address this waypoint serves; 503: known service, config not here yet. */
      readonly status: 400 | 503;
      readonly reason: string;
    };

export function resolveConnectTarget(
  state: ProxyState,
  listeners: ListenerTable,
  network: string,
  target: { readonly ip: string; readonly port: number },
): ConnectTarget {
  const address = parseIp(target.ip);
  if (!address) return { kind: 'reject', status: 400, reason: `${target.ip} is not an IP address` };
  const services = state.servicesByVip({ network, address });
  if (services.length === 0) {
    const workload = state.workloadByAddress({ network, address });
    return {
      kind: 'reject',
      status: 400,
      reason: workload
        ? `${target.ip} is workload ${workload.namespace}/${workload.name}; this waypoint serves service traffic only (istio.io/waypoint-for: service)`
        : `${target.ip} is not a service VIP known to this waypoint`,
    };
  }
  for (const service of services) {
    const listener = listeners.get(service.namespace, service.hostname, target.port);
    if (listener) return { kind: 'listener', listener, service };
  }
  const names = services.map((s) => `${s.namespace}/${s.hostname}`).join(', ');
  return {
    kind: 'reject',
    status: 503,
    reason: `no waypoint listener for ${names} port ${target.port} (is the service bound to this waypoint, and the port declared?)`,
  };
}
