// Converts istio.workload protos into domain values, validating as upstream
// does and rejecting with a reason that names the resource and field. A
// rejection makes the whole xDS response a NACK.

import { workload as wl } from '@ambient-ts/xds-types';
import { ipFromBytes, type NetworkAddress } from './ip.js';
import type {
  ApplicationTunnel,
  GatewayAddress,
  LbMode,
  LbScope,
  LoadBalancing,
  Service,
  ServiceVip,
  Workload,
} from './model.js';

export class ResourceRejectedError extends Error {
  override readonly name = 'ResourceRejectedError';
  constructor(
    readonly resource: string,
    reason: string,
  ) {
    super(`${resource}: ${reason}`);
  }
}

function gateway(g: wl.GatewayAddress, where: string): GatewayAddress {
  const d = g.destination;
  const port = g.hboneMtlsPort;
  if (d.case === 'hostname') {
    return {
      kind: 'hostname',
      namespace: d.value.namespace,
      hostname: d.value.hostname,
      hboneMtlsPort: port,
    };
  }
  if (d.case === 'address') {
    return {
      kind: 'address',
      address: { network: d.value.network, address: ipFromBytes(d.value.address, where) },
      hboneMtlsPort: port,
    };
  }
  throw new Error(`${where}: gateway address has no destination`);
}

function portMap(ports: readonly wl.Port[], where: string): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of ports) {
    if (p.servicePort < 1 || p.servicePort > 65535 || p.targetPort > 65535) {
      throw new Error(`${where}: port ${p.servicePort} → ${p.targetPort} is out of range`);
    }
    m.set(p.servicePort, p.targetPort);
  }
  return m;
}

const WORKLOAD_TYPES: Record<number, string> = {
  [wl.WorkloadType.DEPLOYMENT]: 'deployment',
  [wl.WorkloadType.CRONJOB]: 'cronjob',
  [wl.WorkloadType.POD]: 'pod',
  [wl.WorkloadType.JOB]: 'job',
};

export function workloadFromProto(w: wl.Workload, name: string): Workload {
  const where = `workload ${name}`;
  try {
    if (!w.uid) throw new Error('uid is empty');
    if (w.uid !== name) throw new Error(`uid ${w.uid} differs from the resource name`);
    let protocol: Workload['protocol'];
    switch (w.tunnelProtocol) {
      case wl.TunnelProtocol.NONE:
        protocol = 'TCP';
        break;
      case wl.TunnelProtocol.HBONE:
        protocol = 'HBONE';
        break;
      case wl.TunnelProtocol.LEGACY_ISTIO_MTLS:
        throw new Error('tunnel protocol LEGACY_ISTIO_MTLS is not supported');
      default:
        throw new Error(`unknown tunnel protocol ${String(w.tunnelProtocol)}`);
    }
    if (w.addresses.length > 0 && w.hostname) {
      throw new Error('has both addresses and a hostname');
    }
    const workloadType = WORKLOAD_TYPES[w.workloadType];
    if (workloadType === undefined) throw new Error(`unknown workload type ${w.workloadType}`);
    if (w.status !== wl.WorkloadStatus.HEALTHY && w.status !== wl.WorkloadStatus.UNHEALTHY) {
      throw new Error(`unknown status ${String(w.status)}`);
    }
    if (
      w.networkMode !== wl.NetworkMode.STANDARD &&
      w.networkMode !== wl.NetworkMode.HOST_NETWORK
    ) {
      throw new Error(`unknown network mode ${String(w.networkMode)}`);
    }
    const services = new Map<string, Map<number, number>>();
    for (const [key, list] of Object.entries(w.services)) {
      if (!key.includes('/')) throw new Error(`service key "${key}" is not namespace/hostname`);
      services.set(key, portMap(list.ports, `${where} services[${key}]`));
    }
    let applicationTunnel: ApplicationTunnel | undefined;
    if (w.applicationTunnel) {
      const p = w.applicationTunnel.protocol;
      if (p !== wl.ApplicationTunnel_Protocol.NONE && p !== wl.ApplicationTunnel_Protocol.PROXY) {
        throw new Error(`unknown application tunnel protocol ${String(p)}`);
      }
      applicationTunnel = {
        protocol: p === wl.ApplicationTunnel_Protocol.PROXY ? 'PROXY' : 'NONE',
        port: w.applicationTunnel.port === 0 ? undefined : w.applicationTunnel.port,
      };
    }
    return Object.freeze({
      uid: w.uid,
      name: w.name,
      namespace: w.namespace,
      addresses: w.addresses.map((a, i) => ipFromBytes(a, `addresses[${i}]`)),
      hostname: w.hostname,
      network: w.network,
      protocol,
      trustDomain: w.trustDomain || 'cluster.local',
      serviceAccount: w.serviceAccount || 'default',
      waypoint: w.waypoint ? gateway(w.waypoint, 'waypoint') : undefined,
      networkGateway: w.networkGateway ? gateway(w.networkGateway, 'network_gateway') : undefined,
      node: w.node,
      canonicalName: w.canonicalName,
      canonicalRevision: w.canonicalRevision,
      workloadType,
      workloadName: w.workloadName,
      nativeTunnel: w.nativeTunnel,
      applicationTunnel,
      services,
      authorizationPolicies: [...w.authorizationPolicies],
      status: w.status === wl.WorkloadStatus.HEALTHY ? 'Healthy' : 'Unhealthy',
      clusterId: w.clusterId || 'Kubernetes',
      locality: {
        region: w.locality?.region ?? '',
        zone: w.locality?.zone ?? '',
        subzone: w.locality?.subzone ?? '',
      },
      networkMode: w.networkMode === wl.NetworkMode.HOST_NETWORK ? 'HostNetwork' : 'Standard',
      capacity: w.capacity ?? 1,
    });
  } catch (err) {
    throw new ResourceRejectedError(where, (err as Error).message);
  }
}

const SCOPES: Record<number, LbScope | undefined> = {
  [wl.LoadBalancing_Scope.REGION]: 'REGION',
  [wl.LoadBalancing_Scope.ZONE]: 'ZONE',
  [wl.LoadBalancing_Scope.SUBZONE]: 'SUBZONE',
  [wl.LoadBalancing_Scope.NODE]: 'NODE',
  [wl.LoadBalancing_Scope.CLUSTER]: 'CLUSTER',
  [wl.LoadBalancing_Scope.NETWORK]: 'NETWORK',
};
const MODES: Record<number, LbMode | undefined> = {
  [wl.LoadBalancing_Mode.UNSPECIFIED_MODE]: 'STANDARD',
  [wl.LoadBalancing_Mode.STRICT]: 'STRICT',
  [wl.LoadBalancing_Mode.FAILOVER]: 'FAILOVER',
  [wl.LoadBalancing_Mode.PASSTHROUGH]: 'PASSTHROUGH',
};
const FAMILIES: Record<number, Service['ipFamilies'] | undefined> = {
  [wl.IPFamilies.AUTOMATIC]: 'AUTOMATIC',
  [wl.IPFamilies.IPV4_ONLY]: 'IPV4_ONLY',
  [wl.IPFamilies.IPV6_ONLY]: 'IPV6_ONLY',
  [wl.IPFamilies.DUAL]: 'DUAL',
};

function loadBalancing(lb: wl.LoadBalancing): LoadBalancing {
  const routingPreference = lb.routingPreference.map((s) => {
    const scope = SCOPES[s];
    if (!scope) throw new Error(`unknown load balancing scope ${String(s)}`);
    return scope;
  });
  const mode = MODES[lb.mode];
  if (!mode) throw new Error(`unknown load balancing mode ${String(lb.mode)}`);
  if (
    lb.healthPolicy !== wl.LoadBalancing_HealthPolicy.ONLY_HEALTHY &&
    lb.healthPolicy !== wl.LoadBalancing_HealthPolicy.ALLOW_ALL
  ) {
    throw new Error(`unknown health policy ${String(lb.healthPolicy)}`);
  }
  return {
    routingPreference,
    mode,
    healthPolicy:
      lb.healthPolicy === wl.LoadBalancing_HealthPolicy.ALLOW_ALL ? 'ALLOW_ALL' : 'ONLY_HEALTHY',
  };
}

function vip(a: wl.NetworkAddress, i: number): ServiceVip {
  const address = ipFromBytes(a.address, `addresses[${i}]`);
  const max = a.address.length * 8;
  const prefixLength = a.length ?? max;
  if (prefixLength > max) throw new Error(`addresses[${i}]: prefix /${prefixLength} is too long`);
  const n: NetworkAddress = { network: a.network, address };
  return { ...n, prefixLength };
}

export function serviceFromProto(s: wl.Service, name: string): Service {
  const where = `service ${name}`;
  try {
    if (!s.hostname || !s.namespace) throw new Error('namespace and hostname are required');
    if (`${s.namespace}/${s.hostname}` !== name) {
      throw new Error(`resource name should be ${s.namespace}/${s.hostname}`);
    }
    const ipFamilies = FAMILIES[s.ipFamilies];
    if (!ipFamilies) throw new Error(`unknown ip families ${String(s.ipFamilies)}`);
    return Object.freeze({
      name: s.name,
      namespace: s.namespace,
      hostname: s.hostname,
      vips: s.addresses.map(vip),
      ports: portMap(s.ports, 'ports'),
      subjectAltNames: [...s.subjectAltNames],
      waypoint: s.waypoint ? gateway(s.waypoint, 'waypoint') : undefined,
      loadBalancing: s.loadBalancing ? loadBalancing(s.loadBalancing) : undefined,
      ipFamilies,
      canonical: s.canonical,
      ingressUseWaypoint: s.ingressUseWaypoint,
      visibility: s.visibility === wl.Service_Visibility.NAMESPACE ? 'NAMESPACE' : 'PUBLIC',
    });
  } catch (err) {
    throw new ResourceRejectedError(where, (err as Error).message);
  }
}
