// /config_dump in upstream's JSON shape (istioctl ztunnel-config parses it):
// camelCase fields, defaults omitted, addresses as `network/ip`, gateway
// destinations as `namespace/hostname` or `network/ip`. Pure.

import type { CertificateDump } from '@ambient-ts/istiod-client';
import type { L4Policy } from '@ambient-ts/policy';
import {
  networkAddressKey,
  serviceKey,
  type GatewayAddress,
  type Service,
  type Workload,
  type ProxyState,
} from '@ambient-ts/workload-state';
import type { WorkloadStateDump } from '../inpod/workload-manager.js';
import type { TrackedConnection } from '../proxy/connection-manager.js';

function gateway(g: GatewayAddress | undefined): object | undefined {
  if (!g) return undefined;
  return {
    destination:
      g.kind === 'hostname' ? `${g.namespace}/${g.hostname}` : networkAddressKey(g.address),
    hboneMtlsPort: g.hboneMtlsPort,
  };
}

/** Drops what upstream skips when serializing (is_default). */
function prune(o: Record<string, unknown>): Record<string, unknown> {
  const isDefault = (v: unknown): boolean =>
    v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0);
  return Object.fromEntries(Object.entries(o).filter(([, v]) => !isDefault(v)));
}

export function workloadJson(w: Workload): Record<string, unknown> {
  const locality =
    w.locality.region || w.locality.zone || w.locality.subzone ? w.locality : undefined;
  return {
    workloadIps: [...w.addresses],
    ...prune({ waypoint: gateway(w.waypoint), networkGateway: gateway(w.networkGateway) }),
    protocol: w.protocol,
    networkMode: w.networkMode === 'HostNetwork' ? 'HostNetwork' : 'Standard',
    ...prune({ uid: w.uid }),
    name: w.name,
    namespace: w.namespace,
    ...prune({
      trustDomain: w.trustDomain,
      serviceAccount: w.serviceAccount,
      network: w.network,
      workloadName: w.workloadName,
      workloadType: w.workloadType,
      canonicalName: w.canonicalName,
      canonicalRevision: w.canonicalRevision,
      hostname: w.hostname,
      node: w.node,
      nativeTunnel: w.nativeTunnel,
      applicationTunnel: w.applicationTunnel,
      authorizationPolicies: [...w.authorizationPolicies],
    }),
    status: w.status,
    clusterId: w.clusterId,
    ...prune({ locality, services: [...w.services.keys()] }),
    capacity: w.capacity,
  };
}

export function serviceJson(state: ProxyState, s: Service): Record<string, unknown> {
  const endpoints: Record<string, unknown> = {};
  for (const ep of state.endpoints(serviceKey(s))) {
    endpoints[ep.workload.uid] = {
      workloadUid: ep.workload.uid,
      service: '',
      port: Object.fromEntries([...ep.ports].map(([k, v]) => [String(k), v])),
      status: ep.workload.status,
    };
  }
  return {
    name: s.name,
    namespace: s.namespace,
    hostname: s.hostname,
    vips: s.vips.map((v) => networkAddressKey(v)),
    ports: Object.fromEntries([...s.ports].map(([k, v]) => [String(k), v])),
    endpoints,
    subjectAltNames: [...s.subjectAltNames],
    ...prune({ waypoint: gateway(s.waypoint), loadBalancer: s.loadBalancing }),
    ipFamilies: s.ipFamilies === 'AUTOMATIC' ? undefined : s.ipFamilies,
  };
}

export function policyJson(p: L4Policy): Record<string, unknown> {
  return {
    name: p.name,
    namespace: p.namespace,
    scope: { GLOBAL: 'Global', NAMESPACE: 'Namespace', WORKLOAD_SELECTOR: 'WorkloadSelector' }[
      p.scope
    ],
    action: p.action === 'ALLOW' ? 'Allow' : 'Deny',
    rules: p.rules.map((r) => r.clauses.map((c) => c.matches)),
    dryRun: p.dryRun,
  };
}

export interface ConfigDumpInput {
  readonly state: ProxyState;
  readonly certificates: readonly CertificateDump[];
  readonly workloadState: Readonly<Record<string, WorkloadStateDump>>;
  readonly connections: (uid: string) => readonly TrackedConnection[];
  readonly config: unknown;
  readonly version: string;
}

export function configDump(i: ConfigDumpInput): Record<string, unknown> {
  const workloadState: Record<string, unknown> = {};
  for (const [uid, s] of Object.entries(i.workloadState)) {
    const conns = i.connections(uid);
    const view = (c: TrackedConnection): object => ({
      src: c.src,
      originalDst: c.originalDst,
      actualDst: c.actualDst,
      protocol: c.protocol,
    });
    workloadState[uid] = {
      ...s,
      connections: {
        inbound: conns.filter((c) => c.direction === 'inbound').map(view),
        outbound: conns.filter((c) => c.direction === 'outbound').map(view),
      },
    };
  }
  return {
    workloads: [...i.state.workloads()].map(workloadJson),
    services: [...i.state.services()].map((s) => serviceJson(i.state, s)),
    policies: [...i.state.policies()].map(policyJson),
    stagedServices: Object.fromEntries(i.state.stagedServiceKeys().map((k) => [k, {}])),
    version: i.version,
    config: i.config,
    certificates: i.certificates,
    workloadState,
  };
}
