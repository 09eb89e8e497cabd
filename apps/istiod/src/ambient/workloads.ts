// Pods, WorkloadEntries, ServiceEntry endpoints and selector-less
// EndpointSlice endpoints → WDS istio.workload.Workload (workloads.go
// upstream). Every pod with an IP is a workload, in the mesh or not; only
// tunnel_protocol tells them apart.

import { create } from '@bufbuild/protobuf';
import { workload } from '@ambient-ts/xds-types';
import {
  asArray,
  asRecord,
  asString,
  asStringMap,
  type EndpointSlice,
  type KubeObject,
  type Pod,
  type Service,
} from '../kube/objects.js';
import type { BuildContext } from './build-context.js';
import { serviceHostname } from './index-config.js';
import { GATEWAY_NAME_LABEL, SERVICE_NAME_LABEL } from './inputs.js';
import { ipBytes } from './ip.js';
import { serviceEntryPorts } from './services.js';
import { canonicalService, podWorkloadName } from './workload-meta.js';
import { bindWorkload, type Waypoint } from './waypoints.js';

export const REDIRECTION_ANNOTATION = 'ambient.istio.io/redirection';
const TUNNEL_LABEL = 'networking.istio.io/tunnel';

export interface BuiltWorkload {
  /** WDS resource name: the uid. */
  readonly name: string;
  readonly workload: workload.Workload;
  /** `<network>/<ip>` per address (on-demand lookups). */
  readonly aliases: readonly string[];
}

export function podUid(clusterId: string, namespace: string, name: string): string {
  return `${clusterId}//Pod/${namespace}/${name}`;
}

function trustDomainField(td: string): string {
  return td === 'cluster.local' ? '' : td;
}

function setTunnel(
  w: workload.Workload,
  labels: Readonly<Record<string, string>>,
  annotations: Readonly<Record<string, string>>,
): void {
  if (annotations[REDIRECTION_ANNOTATION] === 'enabled') {
    w.tunnelProtocol = workload.TunnelProtocol.HBONE;
  }
  // networking.istio.io/tunnel is a comma list; `http` means the workload speaks HBONE itself.
  if ((labels[TUNNEL_LABEL] ?? '').split(',').includes('http')) {
    w.tunnelProtocol = workload.TunnelProtocol.HBONE;
    w.nativeTunnel = true;
  }
}

function podIps(pod: Pod): string[] {
  const ips = pod.status?.podIPs?.map((p) => p.ip) ?? [];
  if (ips.length > 0) return ips;
  return pod.status?.podIP ? [pod.status.podIP] : [];
}

function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The pod's TCP container port of this name (restartable init containers count too). */
function findPodPort(pod: Pod, name: string): number | undefined {
  const containers = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
  ];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === name && (p.protocol ?? 'TCP') === 'TCP') return p.containerPort;
    }
  }
  return undefined;
}

function hostnameOf(svc: Service, ctx: BuildContext): string {
  return serviceHostname(
    svc.metadata.name ?? '',
    svc.metadata.namespace ?? '',
    ctx.config.domainSuffix,
  );
}

/** services map entries a pod contributes for Kubernetes Services. */
function kubeServicePorts(pod: Pod, svc: Service): workload.PortList {
  const ports: workload.Port[] = [];
  for (const p of svc.spec?.ports ?? []) {
    let target = typeof p.targetPort === 'number' ? p.targetPort : 0;
    if (typeof p.targetPort === 'string') {
      const resolved = findPodPort(pod, p.targetPort);
      // The pod has no port of that name: the service does not reach it on this port.
      if (resolved === undefined) continue;
      target = resolved;
    } else if (p.targetPort === undefined) {
      target = p.port;
    }
    ports.push(create(workload.PortSchema, { servicePort: p.port, targetPort: target }));
  }
  return create(workload.PortListSchema, { ports });
}

/** services map entries for ServiceEntries (ports matched by name to container ports). */
function serviceEntryPortsFor(
  se: KubeObject,
  ctx: BuildContext,
  resolveName: (name: string) => number | undefined,
): workload.PortList {
  const ports = serviceEntryPorts(se, ctx).map((p) => {
    let target = p.targetPort;
    const named = p.name ? resolveName(p.name) : undefined;
    if (named !== undefined) target = named;
    else if (target === 0) target = p.number;
    return create(workload.PortSchema, { servicePort: p.number, targetPort: target });
  });
  return create(workload.PortListSchema, { ports });
}

function sortedServices(entries: [string, workload.PortList][]): Record<string, workload.PortList> {
  // Sorted keys, so equal content serializes to equal bytes.
  const out: Record<string, workload.PortList> = {};
  for (const [k, v] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = v;
  return out;
}

function seHosts(se: KubeObject): string[] {
  return asArray(asRecord(se.spec)?.hosts).filter((h): h is string => typeof h === 'string');
}

/** A pod → its Workload, or nothing (no IP, terminal). */
export function buildPodWorkload(pod: Pod, ctx: BuildContext): BuiltWorkload | undefined {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const ipTexts = podIps(pod);
  if (ipTexts.length === 0) return undefined;
  const namespace = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const addresses: Uint8Array[] = [];
  for (const ip of ipTexts) {
    const bytes = ipBytes(ip);
    if (!bytes) {
      ctx.warn(`Pod/${namespace}/${name}`, `pod IP ${JSON.stringify(ip)} is not an IP address`);
      return undefined;
    }
    addresses.push(bytes);
  }
  const labels = pod.metadata.labels ?? {};
  const { config } = ctx;

  const services: [string, workload.PortList][] = [];
  const seenHosts = new Set<string>();
  for (const svc of ctx.servicesSelecting(namespace, labels)) {
    if (svc.spec?.type === 'ExternalName') continue;
    const host = hostnameOf(svc, ctx);
    seenHosts.add(host);
    services.push([`${namespace}/${host}`, kubeServicePorts(pod, svc)]);
  }
  // Selector-less Services reach the pod through EndpointSlice targetRefs.
  for (const slice of ctx.slicesTargetingPod(`${namespace}/${name}`)) {
    const svcName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svcName || slice.metadata.namespace !== namespace) continue;
    const svc = ctx.service(`${namespace}/${svcName}`);
    if (!svc || svc.spec?.type === 'ExternalName') continue;
    const host = hostnameOf(svc, ctx);
    if (seenHosts.has(host)) continue;
    seenHosts.add(host);
    services.push([`${namespace}/${host}`, kubeServicePorts(pod, svc)]);
  }
  for (const se of ctx.serviceEntriesSelecting(namespace, labels)) {
    for (const host of seHosts(se)) {
      services.push([
        `${namespace}/${host}`,
        serviceEntryPortsFor(se, ctx, (n) => findPodPort(pod, n)),
      ]);
    }
  }

  // A waypoint's own pods never get a waypoint; they may get an inbound binding.
  let waypoint: Waypoint | undefined;
  let applicationTunnel: workload.ApplicationTunnel | undefined;
  const instanceOf = labels[GATEWAY_NAME_LABEL];
  const instance = instanceOf ? ctx.waypoint(`${namespace}/${instanceOf}`) : undefined;
  if (instance) {
    applicationTunnel = instance.inboundBinding;
  } else {
    waypoint = bindWorkload(pod.metadata, ctx).waypoint;
  }

  const workloadName = podWorkloadName(pod);
  const canonical = canonicalService(labels, workloadName);
  const nodeName = pod.spec?.nodeName ?? '';
  const node = nodeName ? ctx.node(nodeName) : undefined;
  const nodeLabels = node?.metadata.labels ?? {};
  const region = nodeLabels['topology.kubernetes.io/region'];
  const zone = nodeLabels['topology.kubernetes.io/zone'];
  const subzone = nodeLabels['topology.istio.io/subzone'];
  const ready = isPodReady(pod) && pod.metadata.deletionTimestamp === undefined;

  const w = create(workload.WorkloadSchema, {
    uid: podUid(config.clusterId, namespace, name),
    name,
    namespace,
    network: config.network,
    clusterId: config.clusterId,
    addresses,
    serviceAccount: pod.spec?.serviceAccountName ?? '',
    node: nodeName,
    ...(waypoint?.address && { waypoint: waypoint.address }),
    ...(applicationTunnel && { applicationTunnel }),
    services: sortedServices(services),
    authorizationPolicies: ctx.policiesFor(namespace, labels),
    status: ready ? workload.WorkloadStatus.HEALTHY : workload.WorkloadStatus.UNHEALTHY,
    trustDomain: trustDomainField(config.trustDomain),
    ...(node &&
      (region || zone || subzone) && {
        locality: create(workload.LocalitySchema, {
          region: region ?? '',
          zone: zone ?? '',
          subzone: subzone ?? '',
        }),
      }),
    networkMode: pod.spec?.hostNetwork
      ? workload.NetworkMode.HOST_NETWORK
      : workload.NetworkMode.STANDARD,
    workloadName,
    workloadType: workload.WorkloadType.POD,
    canonicalName: canonical.name,
    canonicalRevision: canonical.revision,
  });
  setTunnel(w, labels, pod.metadata.annotations ?? {});
  return {
    name: w.uid,
    workload: w,
    aliases: ipTexts.map((ip) => `${config.network}/${ip}`),
  };
}

interface EntrySpec {
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: Readonly<Record<string, number>>;
  readonly serviceAccount: string;
  readonly network: string;
  readonly weight: number;
  readonly locality: string;
}

function readEntry(raw: unknown): EntrySpec | undefined {
  const rec = asRecord(raw);
  const address = asString(rec?.address);
  if (!rec || !address) return undefined;
  const ports: Record<string, number> = {};
  for (const [k, v] of Object.entries(asRecord(rec.ports) ?? {})) {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 65535) ports[k] = v;
  }
  const weight = rec.weight;
  return {
    address,
    labels: asStringMap(rec.labels) ?? {},
    ports,
    serviceAccount: asString(rec.serviceAccount) ?? '',
    network: asString(rec.network) ?? '',
    weight: typeof weight === 'number' && Number.isInteger(weight) && weight > 0 ? weight : 0,
    locality: asString(rec.locality) ?? '',
  };
}

function localityOf(text: string): workload.Locality | undefined {
  if (text === '') return undefined;
  const [region = '', zone = '', subzone = ''] = text.split('/');
  return create(workload.LocalitySchema, { region, zone, subzone });
}

function entryWorkload(
  uid: string,
  name: string,
  namespace: string,
  entry: EntrySpec,
  services: Record<string, workload.PortList>,
  policies: string[],
  waypoint: Waypoint | undefined,
  meta: { labels: Readonly<Record<string, string>>; annotations: Readonly<Record<string, string>> },
  workloadName: string,
  ctx: BuildContext,
): BuiltWorkload {
  const { config } = ctx;
  const bytes = ipBytes(entry.address);
  const network = entry.network || config.network;
  const canonical = canonicalService(meta.labels, workloadName);
  const w = create(workload.WorkloadSchema, {
    uid,
    name,
    namespace,
    network,
    clusterId: config.clusterId,
    ...(bytes ? { addresses: [bytes] } : { hostname: entry.address }),
    serviceAccount: entry.serviceAccount,
    services,
    authorizationPolicies: policies,
    status: workload.WorkloadStatus.HEALTHY,
    ...(waypoint?.address && { waypoint: waypoint.address }),
    trustDomain: trustDomainField(config.trustDomain),
    ...(localityOf(entry.locality) && { locality: localityOf(entry.locality) }),
    ...(entry.weight > 0 && { capacity: entry.weight }),
    workloadName,
    workloadType: workload.WorkloadType.POD,
    canonicalName: canonical.name,
    canonicalRevision: canonical.revision,
  });
  setTunnel(w, meta.labels, meta.annotations);
  return { name: uid, workload: w, aliases: bytes ? [`${network}/${entry.address}`] : [] };
}

/** A WorkloadEntry → its Workload. */
export function buildWorkloadEntryWorkload(
  we: KubeObject,
  ctx: BuildContext,
): BuiltWorkload | undefined {
  const namespace = we.metadata.namespace ?? '';
  const name = we.metadata.name ?? '';
  const spec = readEntry(we.spec);
  if (!spec) {
    ctx.warn(`WorkloadEntry/${namespace}/${name}`, 'spec.address is missing; no workload is sent');
    return undefined;
  }
  const labels = { ...(we.metadata.labels ?? {}), ...spec.labels };
  const services: [string, workload.PortList][] = [];
  for (const se of ctx.serviceEntriesSelecting(namespace, labels)) {
    for (const host of seHosts(se)) {
      services.push([`${namespace}/${host}`, serviceEntryPortsFor(se, ctx, (n) => spec.ports[n])]);
    }
  }
  const waypoint = bindWorkload({ ...we.metadata, labels: we.metadata.labels ?? {} }, ctx).waypoint;
  const workloadName = we.metadata.labels?.['service.istio.io/workload-name'] ?? name;
  return entryWorkload(
    `${ctx.config.clusterId}/networking.istio.io/WorkloadEntry/${namespace}/${name}`,
    name,
    namespace,
    spec,
    sortedServices(services),
    ctx.policiesFor(namespace, labels),
    waypoint,
    { labels, annotations: we.metadata.annotations ?? {} },
    workloadName,
    ctx,
  );
}

/** A ServiceEntry's inline endpoints → Workloads. */
export function buildServiceEntryWorkloads(se: KubeObject, ctx: BuildContext): BuiltWorkload[] {
  const namespace = se.metadata.namespace ?? '';
  const name = se.metadata.name ?? '';
  const spec = asRecord(se.spec) ?? {};
  const hosts = seHosts(se);
  const out: BuiltWorkload[] = [];
  asArray(spec.endpoints).forEach((raw, i) => {
    const entry = readEntry(raw);
    if (!entry) {
      ctx.warn(
        `ServiceEntry/${namespace}/${name}`,
        `spec.endpoints[${i}].address is missing; the endpoint is skipped`,
      );
      return;
    }
    const services = hosts.map((h): [string, workload.PortList] => [
      `${namespace}/${h}`,
      serviceEntryPortsFor(se, ctx, (n) => entry.ports[n]),
    ]);
    const waypoint = bindWorkload({ name, namespace, labels: entry.labels }, ctx).waypoint;
    out.push(
      entryWorkload(
        `${ctx.config.clusterId}/networking.istio.io/ServiceEntry/${namespace}/${name}/${entry.address}`,
        name,
        namespace,
        entry,
        sortedServices(services),
        ctx.policiesFor(namespace, se.metadata.labels ?? {}),
        waypoint,
        { labels: se.metadata.labels ?? {}, annotations: se.metadata.annotations ?? {} },
        name,
        ctx,
      ),
    );
  });
  return out;
}

/** Endpoints of a Service's EndpointSlice that are not pods (e.g. a VM's IP added by hand). */
export function buildEndpointSliceWorkloads(
  slice: EndpointSlice,
  ctx: BuildContext,
): BuiltWorkload[] {
  const namespace = slice.metadata.namespace ?? '';
  const sliceName = slice.metadata.name ?? '';
  const svcName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  if (!svcName || slice.addressType === 'FQDN') return [];
  const svc = ctx.service(`${namespace}/${svcName}`);
  if (!svc) return [];
  const host = hostnameOf(svc, ctx);
  const ports: workload.Port[] = [];
  for (const p of slice.ports ?? []) {
    if (!p.name || p.port === undefined || (p.protocol ?? 'TCP') !== 'TCP') continue;
    const sp = (svc.spec?.ports ?? []).find((s) => (s.name ?? '') === p.name);
    if (sp) ports.push(create(workload.PortSchema, { servicePort: sp.port, targetPort: p.port }));
  }
  const { config } = ctx;
  const out: BuiltWorkload[] = [];
  const seen = new Set<string>();
  for (const ep of slice.endpoints ?? []) {
    if (ep.targetRef?.kind === 'Pod') continue;
    const first = ep.addresses?.[0];
    if (!first || seen.has(first)) continue;
    seen.add(first);
    const addresses = (ep.addresses ?? []).map(ipBytes);
    if (addresses.some((a) => a === undefined)) {
      ctx.warn(
        `EndpointSlice/${namespace}/${sliceName}`,
        `endpoint address ${JSON.stringify(first)} is not an IP address`,
      );
      continue;
    }
    const uid = `${config.clusterId}/discovery.k8s.io/EndpointSlice/${namespace}/${sliceName}/${first}`;
    const w = create(workload.WorkloadSchema, {
      uid,
      name: sliceName,
      namespace,
      addresses: addresses as Uint8Array[],
      network: config.network,
      trustDomain: trustDomainField(config.trustDomain),
      services: { [`${namespace}/${host}`]: create(workload.PortListSchema, { ports }) },
      status:
        ep.conditions?.ready === false
          ? workload.WorkloadStatus.UNHEALTHY
          : workload.WorkloadStatus.HEALTHY,
      clusterId: config.clusterId,
      networkMode: workload.NetworkMode.HOST_NETWORK,
    });
    out.push({
      name: uid,
      workload: w,
      aliases: (ep.addresses ?? []).map((a) => `${config.network}/${a}`),
    });
  }
  return out;
}
