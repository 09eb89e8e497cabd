// Object builders for unit tests of the index, the L7 compiler and the status
// logic: the smallest Kubernetes objects that exercise each rule.

import type {
  KubeObject,
  Namespace,
  Pod,
  Service,
  EndpointSlice,
  Node,
} from '../../kube/objects.js';
import { AmbientIndex } from '../ambient-index.js';
import { DEFAULT_INDEX_CONFIG, type IndexConfig } from '../index-config.js';
import { createIndexInputs, type IndexInputs } from '../inputs.js';

export const TEST_CONFIG: IndexConfig = { ...DEFAULT_INDEX_CONFIG, clusterId: 'cluster0' };

export function newIndex(config: IndexConfig = TEST_CONFIG): {
  inputs: IndexInputs;
  index: AmbientIndex;
} {
  const inputs = createIndexInputs();
  return { inputs, index: new AmbientIndex({ inputs, config }) };
}

export function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export interface PodOptions {
  readonly ns?: string;
  readonly ip?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly node?: string;
  readonly sa?: string;
  readonly ready?: boolean;
  readonly phase?: string;
  readonly ports?: { name: string; containerPort: number }[];
  readonly uid?: string;
}

export function pod(name: string, o: PodOptions = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      uid: o.uid ?? `uid-${name}`,
      labels: o.labels ?? {},
      annotations: o.annotations ?? {},
    },
    spec: {
      nodeName: o.node ?? 'node-1',
      serviceAccountName: o.sa ?? 'default',
      containers: [{ name: 'app', ports: o.ports ?? [] }],
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip !== undefined && { podIP: o.ip, podIPs: [{ ip: o.ip }] }),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

export interface ServiceOptions {
  readonly ns?: string;
  readonly ip?: string;
  readonly selector?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly ports?: {
    name?: string;
    port: number;
    targetPort?: number | string;
    appProtocol?: string;
  }[];
  readonly generation?: number;
}

export function service(name: string, o: ServiceOptions = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: o.ns ?? 'default',
      labels: o.labels ?? {},
      generation: o.generation ?? 1,
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: o.ip ?? '10.96.0.10',
      clusterIPs: [o.ip ?? '10.96.0.10'],
      ...(o.selector && { selector: o.selector }),
      ports: (o.ports ?? [{ name: 'http', port: 80, targetPort: 8080 }]).map((p) => ({
        protocol: 'TCP',
        ...p,
      })),
    },
  };
}

export function node(name: string, labels: Record<string, string> = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } };
}

export function waypointGateway(
  name: string,
  o: {
    ns?: string;
    addresses?: { type?: string; value: string }[];
    labels?: Record<string, string>;
    allowedRoutes?: unknown;
    className?: string;
  } = {},
): KubeObject {
  const ns = o.ns ?? 'default';
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: ns, labels: o.labels ?? {}, generation: 1, uid: `gw-${name}` },
    spec: {
      gatewayClassName: o.className ?? 'istio-waypoint',
      listeners: [
        {
          name: 'mesh',
          port: 15008,
          protocol: 'HBONE',
          ...(o.allowedRoutes !== undefined && { allowedRoutes: o.allowedRoutes }),
        },
      ],
    },
    status: {
      addresses: o.addresses ?? [
        { type: 'IPAddress', value: '10.96.1.1' },
        { type: 'Hostname', value: `${name}.${ns}.svc.cluster.local` },
      ],
    },
  };
}

export function authorizationPolicy(
  name: string,
  spec: unknown,
  ns = 'default',
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace: ns, generation: 1, ...extra },
    spec,
  };
}

export function peerAuthentication(name: string, spec: unknown, ns = 'default'): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace: ns, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec,
  };
}

export function serviceEntry(name: string, spec: unknown, ns = 'default'): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'ServiceEntry',
    metadata: { name, namespace: ns, generation: 1 },
    spec,
  };
}

export function endpointSlice(
  name: string,
  serviceName: string,
  endpoints: NonNullable<EndpointSlice['endpoints']>,
  ports: NonNullable<EndpointSlice['ports']> = [{ name: 'http', port: 8080, protocol: 'TCP' }],
  ns = 'default',
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}
