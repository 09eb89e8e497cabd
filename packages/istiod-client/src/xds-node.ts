// The Node a proxy announces on its xDS stream: upstream's id
// `<type>~<ip>~<pod>.<ns>~<ns>.svc.cluster.local` and metadata, built from
// config. istiod reads the proxy type from the id's first field. Pure.

import { ISTIO_COMPATIBILITY_VERSION } from '@ambient-ts/xds-types';

/** The proxy type leading the node id (ztunnel announces `ztunnel`). */
export type ProxyType = 'ztunnel' | 'waypoint' | 'router' | 'sidecar';

export interface NodeInput {
  readonly proxyType: ProxyType;
  readonly instanceIp: string;
  readonly podName: string;
  readonly podNamespace: string;
  readonly nodeName: string;
  /** ISTIO_VERSION; default: the upstream release we follow. */
  readonly istioVersion?: string;
  /** ISTIO_META_* env vars with the prefix stripped, e.g. CLUSTER_ID. */
  readonly proxyMetadata: Readonly<Record<string, string>>;
  /** ISTIO_METAJSON_* env vars, parsed. */
  readonly jsonMetadata: Readonly<Record<string, unknown>>;
}

export interface XdsNode {
  readonly id: string;
  readonly metadata: Record<string, unknown>;
}

export function xdsNode(n: NodeInput): XdsNode {
  // Upstream's placeholder when the pod IP is unknown (local runs).
  const ip = n.instanceIp || '1.1.1.1';
  return {
    id: `${n.proxyType}~${ip}~${n.podName}.${n.podNamespace}~${n.podNamespace}.svc.cluster.local`,
    metadata: {
      ...n.proxyMetadata,
      ...n.jsonMetadata,
      NAME: n.podName,
      NAMESPACE: n.podNamespace,
      INSTANCE_IPS: n.instanceIp,
      NODE_NAME: n.nodeName,
      // What `istioctl version` reports as the data plane version.
      ISTIO_VERSION: n.istioVersion ?? ISTIO_COMPATIBILITY_VERSION,
    },
  };
}
