// A proxy's view of the mesh: validated domain values converted from the
// istio.workload protos at the edge (convert.ts). Everything downstream reads
// these, never the protos.

import type { IpAddr, NetworkAddress } from './ip.js';

/** Where a waypoint or network gateway is: a service by hostname, or an address. */
export type GatewayAddress =
  | {
      readonly kind: 'hostname';
      readonly namespace: string;
      readonly hostname: string;
      readonly hboneMtlsPort: number;
    }
  | { readonly kind: 'address'; readonly address: NetworkAddress; readonly hboneMtlsPort: number };

export type TunnelProtocol = 'HBONE' | 'TCP';
export type HealthStatus = 'Healthy' | 'Unhealthy';
export type NetworkMode = 'Standard' | 'HostNetwork';

export interface Locality {
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

export interface ApplicationTunnel {
  readonly protocol: 'NONE' | 'PROXY';
  /** Overrides the target port; undefined keeps the original. */
  readonly port: number | undefined;
}

/** Service port → target port for one endpoint (0: named port, unresolved). */
export type PortMap = ReadonlyMap<number, number>;

export interface Workload {
  /** The xDS resource name, e.g. `cluster1//v1/Pod/ns/name`. */
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly addresses: readonly IpAddr[];
  readonly hostname: string;
  readonly network: string;
  readonly protocol: TunnelProtocol;
  /** `cluster.local` when xDS leaves it empty. */
  readonly trustDomain: string;
  /** `default` when xDS leaves it empty. */
  readonly serviceAccount: string;
  readonly waypoint: GatewayAddress | undefined;
  readonly networkGateway: GatewayAddress | undefined;
  /** The Kubernetes node; a ztunnel serves the workloads whose node is its NODE_NAME. */
  readonly node: string;
  readonly canonicalName: string;
  readonly canonicalRevision: string;
  /** Lower-case: deployment, cronjob, pod, job. */
  readonly workloadType: string;
  readonly workloadName: string;
  readonly nativeTunnel: boolean;
  readonly applicationTunnel: ApplicationTunnel | undefined;
  /** `namespace/hostname` → this endpoint's ports. */
  readonly services: ReadonlyMap<string, PortMap>;
  /** Selector-bound policy keys `ns/name`. */
  readonly authorizationPolicies: readonly string[];
  readonly status: HealthStatus;
  /** `Kubernetes` when xDS leaves it empty. */
  readonly clusterId: string;
  readonly locality: Locality;
  readonly networkMode: NetworkMode;
  /** Endpoint-selection weight; 1 when unset. */
  readonly capacity: number;
}

export type LbScope = 'REGION' | 'ZONE' | 'SUBZONE' | 'NODE' | 'CLUSTER' | 'NETWORK';
export type LbMode = 'STANDARD' | 'STRICT' | 'FAILOVER' | 'PASSTHROUGH';

export interface LoadBalancing {
  readonly routingPreference: readonly LbScope[];
  readonly mode: LbMode;
  readonly healthPolicy: 'ONLY_HEALTHY' | 'ALLOW_ALL';
}

/** A VIP, possibly a CIDR range (ServiceEntry addresses). */
export interface ServiceVip extends NetworkAddress {
  /** Prefix length; the full length for a single address. */
  readonly prefixLength: number;
}

export interface Service {
  readonly name: string;
  readonly namespace: string;
  readonly hostname: string;
  readonly vips: readonly ServiceVip[];
  /** Service port → target port (0: named, resolved per endpoint). */
  readonly ports: PortMap;
  /** Extra SPIFFE identities accepted for this service's endpoints. */
  readonly subjectAltNames: readonly string[];
  readonly waypoint: GatewayAddress | undefined;
  readonly loadBalancing: LoadBalancing | undefined;
  readonly ipFamilies: 'AUTOMATIC' | 'IPV4_ONLY' | 'IPV6_ONLY' | 'DUAL';
  readonly canonical: boolean;
  readonly ingressUseWaypoint: boolean;
  readonly visibility: 'PUBLIC' | 'NAMESPACE';
}

/** The xDS name and store key of a service. */
export function serviceKey(s: { readonly namespace: string; readonly hostname: string }): string {
  return `${s.namespace}/${s.hostname}`;
}

/** `spiffe://<td>/ns/<ns>/sa/<sa>` of a workload. */
export function workloadIdentityUri(w: {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}): string {
  return `spiffe://${w.trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`;
}

/** An endpoint of a service: the workload plus its ports for that service. */
export interface Endpoint {
  readonly workload: Workload;
  readonly ports: PortMap;
}
