// What the ambient index needs to know about the mesh, from config.ts.

export interface IndexConfig {
  /** CLUSTER_ID; WDS uids start with it. Default `Kubernetes`. */
  readonly clusterId: string;
  /** Kubernetes DNS suffix, `cluster.local`. */
  readonly domainSuffix: string;
  /** MeshConfig rootNamespace, `istio-system`. */
  readonly rootNamespace: string;
  /** TRUST_DOMAIN; sent empty on workloads when it is `cluster.local`. */
  readonly trustDomain: string;
  /** The local network (topology.istio.io/network); usually empty. */
  readonly network: string;
  /** AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY. */
  readonly enableDryRun: boolean;
}

export const DEFAULT_INDEX_CONFIG: IndexConfig = {
  clusterId: 'Kubernetes',
  domainSuffix: 'cluster.local',
  rootNamespace: 'istio-system',
  trustDomain: 'cluster.local',
  network: '',
  enableDryRun: false,
};

export function serviceHostname(name: string, namespace: string, domainSuffix: string): string {
  return `${name}.${namespace}.svc.${domainSuffix}`;
}
