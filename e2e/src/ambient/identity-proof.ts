// Collecting the proof that bookinfo's calls went through ztunnel with the right identities:
// the access-log lines of every edge (polled, since a line is written when its connection
// closes) and the connection counters of the same pairs. Shared by the scenario and the demo.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterDriver } from '../drivers/cluster-driver.js';
import type { PodSnapshot } from './bookinfo-ambient.js';
import { podFacts } from './bookinfo-ambient.js';
import { BOOKINFO_EDGES, checkEdge, type Edge, type EdgeReport } from './identity-edges.js';
import { sumSamples, type Sample } from './prom-text.js';
import { ztunnelConnectionLines, ztunnelPods, ztunnelStats } from './ztunnel-admin.js';

/** Polls the ztunnel logs until every edge is proven or the time is up; returns the last reports. */
export async function collectEdgeReports(
  driver: ClusterDriver,
  namespace: string,
  pods: readonly PodSnapshot[],
  timeoutMs = 60_000,
  edges: readonly Edge[] = BOOKINFO_EDGES,
): Promise<EdgeReport[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = await ztunnelConnectionLines(driver);
    const reports = edges.map((e) => checkEdge(e, namespace, podFacts(pods), lines));
    if (reports.every((r) => r.problems.length === 0) || Date.now() >= deadline) return reports;
    await sleep(2000);
  }
}

export const CONNECTIONS_OPENED = 'istio_tcp_connections_opened_total';

export interface EdgeCount {
  readonly edge: string;
  readonly reporter: 'source' | 'destination';
  /** Sum over all ztunnels of the counter for this principal pair over mTLS. */
  readonly opened: number;
  /** `connection complete` lines of the same side (read before the counters). */
  readonly lines: number;
}

/** Pure: the counter for each edge and reporter next to the number of lines that side logged. */
export function edgeCounts(
  reports: readonly EdgeReport[],
  samples: readonly Sample[],
): EdgeCount[] {
  return reports.flatMap((r) =>
    (['source', 'destination'] as const).map((reporter) => ({
      edge: `${r.edge.from}→${r.edge.to}`,
      reporter,
      opened: sumSamples(samples, CONNECTIONS_OPENED, {
        reporter,
        source_principal: r.expectedSrc,
        destination_principal: r.expectedDst,
        connection_security_policy: 'mutual_tls',
      }),
      lines: reporter === 'source' ? r.outbound.length : r.inbound.length,
    })),
  );
}

/** Every ztunnel's metrics, concatenated. */
export async function allZtunnelSamples(driver: ClusterDriver): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const z of await ztunnelPods(driver)) out.push(...(await ztunnelStats(driver, z.name)));
  return out;
}
