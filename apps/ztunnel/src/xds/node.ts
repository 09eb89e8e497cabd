// The Node ztunnel announces on its xDS stream (upstream's exact id and
// metadata), built from config. Pure.

export interface NodeInput {
  readonly instanceIp: string;
  readonly podName: string;
  readonly podNamespace: string;
  readonly nodeName: string;
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
  const ip = n.instanceIp || '1.1.1.1';
  return {
    id: `ztunnel~${ip}~${n.podName}.${n.podNamespace}~${n.podNamespace}.svc.cluster.local`,
    metadata: {
      ...n.proxyMetadata,
      ...n.jsonMetadata,
      NAME: n.podName,
      NAMESPACE: n.podNamespace,
      INSTANCE_IPS: n.instanceIp,
      NODE_NAME: n.nodeName,
    },
  };
}
