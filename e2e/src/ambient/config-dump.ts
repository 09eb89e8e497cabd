// The part of ztunnel's /config_dump the scenario reads (reference/ztunnel.md
// §2): the workloads it knows, each with name, namespace, protocol ("HBONE"
// or "TCP"), service account and IPs. Upstream serializes `workloads` as a
// list; a map keyed by uid is accepted too. Pure.

export interface DumpWorkload {
  readonly name: string;
  readonly namespace: string;
  readonly protocol: string;
  readonly serviceAccount: string | undefined;
  readonly workloadIps: readonly string[];
  readonly node: string | undefined;
  readonly uid: string | undefined;
}

export class ConfigDumpError extends Error {
  override readonly name = 'ConfigDumpError';
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

const optString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function dumpWorkloads(text: string): DumpWorkload[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigDumpError(
      `config_dump is not JSON (first bytes: ${JSON.stringify(text.slice(0, 120))}); is :15000 ztunnel's admin port?`,
    );
  }
  const top = asRecord(json);
  if (!top || !('workloads' in top)) {
    throw new ConfigDumpError(
      `config_dump has no "workloads" (keys: ${Object.keys(top ?? {}).join(', ') || 'none'})`,
    );
  }
  const raw = top['workloads'];
  const list = Array.isArray(raw) ? (raw as unknown[]) : Object.values(asRecord(raw) ?? {});
  return list.flatMap((w): DumpWorkload[] => {
    const r = asRecord(w);
    if (!r) return [];
    return [
      {
        name: optString(r['name']) ?? '',
        namespace: optString(r['namespace']) ?? '',
        // Upstream omits defaults; the protocol's default is TCP.
        protocol: optString(r['protocol']) ?? 'TCP',
        serviceAccount: optString(r['serviceAccount']),
        workloadIps: Array.isArray(r['workloadIps'])
          ? (r['workloadIps'] as unknown[]).filter((x): x is string => typeof x === 'string')
          : [],
        node: optString(r['node']),
        uid: optString(r['uid']),
      },
    ];
  });
}

/** Pods (by name) of a namespace whose workload is missing or has another protocol. */
export function podsWithoutProtocol(
  workloads: readonly DumpWorkload[],
  namespace: string,
  pods: readonly string[],
  protocol: 'HBONE' | 'TCP',
): string[] {
  return pods.flatMap((pod) => {
    const w = workloads.find((x) => x.namespace === namespace && x.name === pod);
    if (!w) return [`${pod}: not in config_dump`];
    return w.protocol === protocol ? [] : [`${pod}: protocol ${w.protocol}`];
  });
}
