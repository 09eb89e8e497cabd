// Kubernetes Service and ServiceEntry → WDS istio.workload.Service
// (services.go upstream), with the WaypointBound condition each object gets.

import { create } from '@bufbuild/protobuf';
import { workload } from '@ambient-ts/xds-types';
import { asArray, asRecord, asString, type KubeObject, type Service } from '../kube/objects.js';
import type { ConditionSpec } from './authorizations.js';
import type { BuildContext } from './build-context.js';
import { serviceHostname } from './index-config.js';
import { ipBytes, parseCidrText } from './ip.js';
import { kubePortProtocol, parseProtocolName, toAppProtocol } from './protocol.js';
import { bindService, type Binding } from './waypoints.js';

export const WAYPOINT_BOUND = 'istio.io/WaypointBound';
const TRAFFIC_DISTRIBUTION_ANNOTATION = 'networking.istio.io/traffic-distribution';
const INGRESS_USE_WAYPOINT_LABEL = 'istio.io/ingress-use-waypoint';

export interface BuiltService {
  /** WDS resource name `<namespace>/<hostname>`. */
  readonly name: string;
  readonly service: workload.Service;
  readonly aliases: readonly string[];
}

export interface ServiceBuild {
  readonly services: readonly BuiltService[];
  /** undefined = remove our condition (no waypoint, no error). */
  readonly waypointBound: ConditionSpec | undefined;
  /** The waypoint key the service uses, for the L7 compiler and policy status. */
  readonly waypointKey?: string;
}

function preferClose(): workload.LoadBalancing {
  return create(workload.LoadBalancingSchema, {
    routingPreference: [
      workload.LoadBalancing_Scope.NETWORK,
      workload.LoadBalancing_Scope.REGION,
      workload.LoadBalancing_Scope.ZONE,
    ],
    mode: workload.LoadBalancing_Mode.FAILOVER,
  });
}

function preferSameNode(): workload.LoadBalancing {
  return create(workload.LoadBalancingSchema, {
    routingPreference: [
      workload.LoadBalancing_Scope.NETWORK,
      workload.LoadBalancing_Scope.REGION,
      workload.LoadBalancing_Scope.ZONE,
      workload.LoadBalancing_Scope.SUBZONE,
      workload.LoadBalancing_Scope.NODE,
    ],
    mode: workload.LoadBalancing_Mode.FAILOVER,
  });
}

/** spec.trafficDistribution, else the annotation on the object, else on its namespace. */
function trafficDistributionLb(
  field: string | undefined,
  annotations: Readonly<Record<string, string>>,
  nsAnnotations: Readonly<Record<string, string>>,
): workload.LoadBalancing | undefined {
  const value =
    field ??
    annotations[TRAFFIC_DISTRIBUTION_ANNOTATION] ??
    nsAnnotations[TRAFFIC_DISTRIBUTION_ANNOTATION];
  switch (value) {
    case 'PreferClose':
    case 'PreferSameZone':
      return preferClose();
    case 'PreferSameNode':
      return preferSameNode();
    default:
      return undefined;
  }
}

function ingressUseWaypoint(
  labels: Readonly<Record<string, string>>,
  nsLabels: Readonly<Record<string, string>>,
): { present: boolean; use: boolean } {
  const value = labels[INGRESS_USE_WAYPOINT_LABEL] ?? nsLabels[INGRESS_USE_WAYPOINT_LABEL];
  if (value === undefined) return { present: false, use: false };
  return { present: true, use: ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value) };
}

/** The WaypointBound condition for a binding (ServiceInfo.GetConditions upstream). */
export function waypointBoundCondition(
  binding: Binding,
  ingress: { present: boolean; use: boolean },
): ConditionSpec | undefined {
  if (binding.waypoint) {
    let message = `Successfully attached to waypoint ${binding.waypoint.key}`;
    if (ingress.use) message += '. Ingress traffic will traverse the waypoint';
    else if (ingress.present) {
      message +=
        '. Ingress traffic is not using the waypoint, set the istio.io/ingress-use-waypoint label to true if desired.';
    }
    return { type: WAYPOINT_BOUND, status: 'True', reason: 'WaypointAccepted', message };
  }
  if (binding.error) {
    return {
      type: WAYPOINT_BOUND,
      status: 'False',
      reason: binding.error.reason,
      message: binding.error.message,
    };
  }
  return undefined;
}

function networkAddress(
  network: string,
  bytes: Uint8Array,
  length?: number,
): workload.NetworkAddress {
  return create(workload.NetworkAddressSchema, {
    network,
    address: bytes,
    ...(length !== undefined && { length }),
  });
}

function vipAlias(network: string, ip: string): string {
  return `${network}/${ip}`;
}

/** A Kubernetes Service (ExternalName services are not served). */
export function buildKubeService(svc: Service, ctx: BuildContext): ServiceBuild {
  const namespace = svc.metadata.namespace ?? '';
  const name = svc.metadata.name ?? '';
  if (svc.spec?.type === 'ExternalName') return { services: [], waypointBound: undefined };
  const ns = ctx.namespace(namespace);
  const binding = bindService(svc.metadata, ctx);
  const ingress = binding.waypoint
    ? ingressUseWaypoint(svc.metadata.labels ?? {}, ns?.metadata.labels ?? {})
    : { present: false, use: false };
  const { network, domainSuffix } = ctx.config;

  const ports = (svc.spec?.ports ?? []).map((p) =>
    create(workload.PortSchema, {
      servicePort: p.port,
      targetPort: typeof p.targetPort === 'number' ? p.targetPort : 0,
      appProtocol: toAppProtocol(kubePortProtocol(p.port, p.name, p.protocol, p.appProtocol)),
    }),
  );
  const vips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec?.clusterIP ?? ''];
  const addresses: workload.NetworkAddress[] = [];
  const aliases: string[] = [];
  for (const vip of vips) {
    if (vip === '' || vip === 'None') continue;
    const bytes = ipBytes(vip);
    if (!bytes) {
      ctx.warn(
        `Service/${namespace}/${name}`,
        `clusterIP ${JSON.stringify(vip)} is not an IP address`,
      );
      continue;
    }
    addresses.push(networkAddress(network, bytes));
    aliases.push(vipAlias(network, vip));
  }

  let lb: workload.LoadBalancing | undefined;
  if (svc.spec?.internalTrafficPolicy === 'Local') {
    lb = create(workload.LoadBalancingSchema, {
      routingPreference: [workload.LoadBalancing_Scope.NODE],
      mode: workload.LoadBalancing_Mode.STRICT,
    });
  } else {
    lb = trafficDistributionLb(
      svc.spec?.trafficDistribution,
      svc.metadata.annotations ?? {},
      ns?.metadata.annotations ?? {},
    );
  }
  if (svc.spec?.publishNotReadyAddresses) {
    lb ??= create(workload.LoadBalancingSchema, {});
    lb.healthPolicy = workload.LoadBalancing_HealthPolicy.ALLOW_ALL;
  }
  const families = svc.spec?.ipFamilies ?? [];
  let ipFamilies = workload.IPFamilies.AUTOMATIC;
  if (families.length === 2) ipFamilies = workload.IPFamilies.DUAL;
  else if (families.length === 1) {
    ipFamilies =
      families[0] === 'IPv4' ? workload.IPFamilies.IPV4_ONLY : workload.IPFamilies.IPV6_ONLY;
  }
  const hostname = serviceHostname(name, namespace, domainSuffix);
  const service = create(workload.ServiceSchema, {
    name,
    namespace,
    hostname,
    addresses,
    ports,
    ...(binding.waypoint?.address && { waypoint: binding.waypoint.address }),
    ...(lb && { loadBalancing: lb }),
    ipFamilies,
    canonical: true,
    ingressUseWaypoint: ingress.use,
  });
  return {
    services: [{ name: `${namespace}/${hostname}`, service, aliases }],
    waypointBound: waypointBoundCondition(binding, ingress),
    ...(binding.waypoint && { waypointKey: binding.waypoint.key }),
  };
}

export interface ServiceEntryPort {
  readonly number: number;
  readonly name: string;
  readonly protocol: string;
  readonly targetPort: number;
}

/** spec.ports of a ServiceEntry; malformed entries are skipped with a warning. */
export function serviceEntryPorts(
  se: KubeObject,
  ctx: Pick<BuildContext, 'warn'>,
): ServiceEntryPort[] {
  const out: ServiceEntryPort[] = [];
  asArray(asRecord(se.spec)?.ports).forEach((raw, i) => {
    const p = asRecord(raw);
    const number = p?.number;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 65535) {
      ctx.warn(
        `ServiceEntry/${se.metadata.namespace ?? ''}/${se.metadata.name ?? ''}`,
        `spec.ports[${i}].number ${JSON.stringify(number)} is not a port; the port is skipped`,
      );
      return;
    }
    const target = p?.targetPort;
    out.push({
      number,
      name: asString(p?.name) ?? '',
      protocol: asString(p?.protocol) ?? '',
      targetPort:
        typeof target === 'number' && Number.isInteger(target) && target > 0 && target <= 65535
          ? target
          : 0,
    });
  });
  return out;
}

/** A ServiceEntry: one WDS Service per host. */
export function buildServiceEntryServices(se: KubeObject, ctx: BuildContext): ServiceBuild {
  const namespace = se.metadata.namespace ?? '';
  const name = se.metadata.name ?? '';
  const id = `ServiceEntry/${namespace}/${name}`;
  const spec = asRecord(se.spec) ?? {};
  const ns = ctx.namespace(namespace);
  const binding = bindService(se.metadata, ctx);
  const ingress = binding.waypoint
    ? ingressUseWaypoint(se.metadata.labels ?? {}, ns?.metadata.labels ?? {})
    : { present: false, use: false };
  const { network } = ctx.config;

  const addresses: workload.NetworkAddress[] = [];
  const aliases: string[] = [];
  asArray(spec.addresses).forEach((raw, i) => {
    const text = asString(raw) ?? '';
    const cidr = parseCidrText(text);
    if (!cidr) {
      ctx.warn(
        id,
        `spec.addresses[${i}] ${JSON.stringify(raw)} is not an IP address or CIDR; it is skipped`,
      );
      return;
    }
    const full = cidr.address.length * 8;
    const length = cidr.length === undefined || cidr.length === full ? undefined : cidr.length;
    addresses.push(networkAddress(network, cidr.address, length));
    aliases.push(
      length === undefined ? vipAlias(network, text.split('/')[0] ?? '') : `${network}/${text}`,
    );
  });
  const ports = serviceEntryPorts(se, ctx).map((p) =>
    create(workload.PortSchema, {
      servicePort: p.number,
      targetPort: p.targetPort === 0 ? p.number : p.targetPort,
      appProtocol: toAppProtocol(parseProtocolName(p.protocol)),
    }),
  );
  const resolution = spec.resolution;
  let lb: workload.LoadBalancing | undefined;
  if (resolution === 'NONE') {
    lb = create(workload.LoadBalancingSchema, {
      mode: workload.LoadBalancing_Mode.PASSTHROUGH,
      healthPolicy: workload.LoadBalancing_HealthPolicy.ALLOW_ALL,
    });
  } else {
    lb = trafficDistributionLb(
      undefined,
      se.metadata.annotations ?? {},
      ns?.metadata.annotations ?? {},
    );
  }
  const subjectAltNames = asArray(spec.subjectAltNames).filter(
    (s): s is string => typeof s === 'string',
  );
  const services: BuiltService[] = [];
  asArray(spec.hosts).forEach((raw, i) => {
    const host = asString(raw);
    if (!host) {
      ctx.warn(id, `spec.hosts[${i}] is not a string; it is skipped`);
      return;
    }
    const service = create(workload.ServiceSchema, {
      name,
      namespace,
      hostname: host,
      addresses,
      ports,
      subjectAltNames,
      ...(binding.waypoint?.address && { waypoint: binding.waypoint.address }),
      ...(lb && { loadBalancing: lb }),
      ingressUseWaypoint: ingress.use,
    });
    services.push({ name: `${namespace}/${host}`, service, aliases });
  });
  return {
    services,
    waypointBound: waypointBoundCondition(binding, ingress),
    ...(binding.waypoint && { waypointKey: binding.waypoint.key }),
  };
}
