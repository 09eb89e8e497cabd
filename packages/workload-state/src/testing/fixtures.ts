// Builders for unit tests (this package's and its users'): domain workloads
// and services with upstream's defaults, and a store filled through the one
// updater. Exported as `@ambient-ts/workload-state/testing`.

import { requireIp } from '../ip.js';
import type { Service, Workload } from '../model.js';
import { createStateStore } from '../store.js';

export function testWorkload(
  name: string,
  ip: string,
  o: Partial<Omit<Workload, 'addresses'>> & { readonly addresses?: readonly string[] } = {},
): Workload {
  const { addresses, ...rest } = o;
  return {
    uid: `cluster1//v1/Pod/${o.namespace ?? 'default'}/${name}`,
    name,
    namespace: 'default',
    addresses: (addresses ?? [ip]).map((a) => requireIp(a, 'test')),
    hostname: '',
    network: '',
    protocol: 'HBONE',
    trustDomain: 'cluster.local',
    serviceAccount: name,
    waypoint: undefined,
    networkGateway: undefined,
    node: 'node1',
    canonicalName: name,
    canonicalRevision: 'v1',
    workloadType: 'deployment',
    workloadName: name,
    nativeTunnel: false,
    applicationTunnel: undefined,
    services: new Map(),
    authorizationPolicies: [],
    status: 'Healthy',
    clusterId: 'Kubernetes',
    locality: { region: '', zone: '', subzone: '' },
    networkMode: 'Standard',
    capacity: 1,
    ...rest,
  };
}

export function testService(
  name: string,
  vip: string | undefined,
  ports: Record<number, number>,
  o: Partial<Service> = {},
): Service {
  return {
    name,
    namespace: 'default',
    hostname: `${name}.default.svc.cluster.local`,
    vips: vip ? [{ network: '', address: requireIp(vip, 'test'), prefixLength: 32 }] : [],
    ports: new Map(Object.entries(ports).map(([k, v]) => [Number(k), v])),
    subjectAltNames: [],
    waypoint: undefined,
    loadBalancing: undefined,
    ipFamilies: 'AUTOMATIC',
    canonical: false,
    ingressUseWaypoint: false,
    visibility: 'PUBLIC',
    ...o,
  };
}

/** `ns/hostname` → ports, for Workload.services. */
export function endpointOf(
  service: Service,
  ports: Record<number, number> = {},
): Workload['services'] {
  return new Map([
    [
      `${service.namespace}/${service.hostname}`,
      new Map(Object.entries(ports).map(([k, v]) => [Number(k), v])),
    ],
  ]);
}

export function storeWith(workloads: readonly Workload[], services: readonly Service[] = []) {
  const s = createStateStore();
  s.updater.applyAddresses({ workloads, services, removed: [] });
  return s;
}
