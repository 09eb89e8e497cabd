// Reads one istiod's /debug/syncz answer (apps/istiod's SyncStatus list) into
// the per-proxy view upstream's proxy-status builds from its syncz xDS
// response: proxy name and namespace, cluster, istiod, the proxy's Istio
// version, and a status per type URL in upstream's words.

/** Upstream's ConfigStatus words as istioctl prints them. */
export type TypeStatus = 'SYNCED' | 'STALE' | 'ERROR' | 'NOT SENT';

export interface ProxySyncStatus {
  /** upstream's proxy ID, `<pod>.<namespace>`. */
  readonly name: string;
  /** The proxy's own namespace, for -n. */
  readonly namespace: string;
  readonly proxyType: string;
  readonly clusterId: string;
  readonly istiod: string;
  readonly istioVersion: string;
  /** type URL → status; a type the proxy never asked for is absent (upstream's IGNORED). */
  readonly types: ReadonlyMap<string, TypeStatus>;
  /** istiod's short names of the types, for URLs the client does not know. */
  readonly shortNames: ReadonlyMap<string, string>;
}

/** The answer was not the JSON list apps/istiod serves. */
export class SynczFormatError extends Error {
  override readonly name = 'SynczFormatError';
}

/**
 * Parses a syncz body. `istiodPod` names the istiod when an entry does not
 * (upstream takes it from the control plane identifier of the response).
 */
export function parseSyncz(body: string, istiodPod: string): ProxySyncStatus[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new SynczFormatError(`istiod's /debug/syncz is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new SynczFormatError("istiod's /debug/syncz is not a JSON list of proxies");
  }
  return parsed.map((entry: unknown, index) => {
    if (entry === null || typeof entry !== 'object') {
      throw new SynczFormatError(`istiod's /debug/syncz entry ${index} is not an object`);
    }
    const e = entry as Record<string, unknown>;
    const id = proxyName(str(e.proxy));
    const types = new Map<string, TypeStatus>();
    const shortNames = new Map<string, string>();
    for (const t of Array.isArray(e.types) ? (e.types as unknown[]) : []) {
      if (t === null || typeof t !== 'object') continue;
      const type = t as Record<string, unknown>;
      const url = str(type.type_url);
      if (url === '') continue;
      types.set(url, typeStatus(str(type.status), str(type.last_sent_nonce)));
      if (str(type.short_name) !== '') shortNames.set(url, str(type.short_name));
    }
    return {
      name: id.name,
      namespace: id.namespace,
      proxyType: str(e.proxy_type),
      clusterId: str(e.cluster_id),
      istiod: str(e.istiod) || istiodPod,
      istioVersion: str(e.istio_version),
      types,
      shortNames,
    };
  });
}

/**
 * Our istiod reports the raw node id (`ztunnel~10.0.0.1~ztunnel-x.istio-system~istio-system.svc.cluster.local`);
 * upstream's istiod reports the parsed proxy ID, the third field. The
 * namespace comes from the fourth field's first label, as upstream's node
 * metadata would give it; an id already in `<pod>.<namespace>` form keeps its
 * last label.
 */
export function proxyName(id: string): { name: string; namespace: string } {
  const parts = id.split('~');
  if (parts.length === 4) {
    const name = parts[2] ?? '';
    const domain = parts[3] ?? '';
    const namespace = domain.split('.')[0] || afterLastDot(name);
    return { name, namespace };
  }
  return { name: id, namespace: afterLastDot(id) };
}

/**
 * upstream istiod's debugSyncStatus: an error wins, nothing sent is NOT SENT,
 * an acknowledged last response is SYNCED, anything else STALE. Ours names
 * the error NACKED.
 */
function typeStatus(status: string, lastSentNonce: string): TypeStatus {
  if (status === 'NACKED') return 'ERROR';
  if (lastSentNonce === '') return 'NOT SENT';
  return status === 'SYNCED' ? 'SYNCED' : 'STALE';
}

function afterLastDot(s: string): string {
  const dot = s.lastIndexOf('.');
  return dot < 0 ? '' : s.slice(dot + 1);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
