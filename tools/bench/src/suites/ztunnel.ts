// ztunnel end to end: the real ztunnel processes on a network-namespace
// topology (apps/ztunnel/bench), against direct pod-to-pod TCP and a plain
// Node TCP relay, in one run. The measuring lives next to ztunnel, because it
// reuses ztunnel's integration harness (namespaces, in-pod rules, a stand-in
// istiod and CNI); this suite runs it and turns its JSON into a report.
// Needs root; without it the suite fails with the reason.

import type { SuiteReport } from '../report.js';
import { runJsonBench } from '../run-json-bench.js';
import type { Suite } from '../suite.js';

interface PathResult {
  readonly id: 'direct' | 'relay' | 'hbone';
  readonly throughputGbps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly achievedRps: number;
  readonly proxyCpuSecondsPer1000?: number;
  readonly proxyRssMiB?: readonly number[];
}

interface BenchResult {
  readonly config: {
    rate: number;
    seconds: number;
    messageBytes: number;
    connections: number;
    bulkMiB: number;
  };
  readonly paths: readonly PathResult[];
}

export const ztunnelEndToEnd: Suite = {
  id: 'ztunnel',
  description:
    'ztunnel pair over HBONE (real processes, in-pod rules, netns) vs direct and a Node TCP relay: throughput, fixed-rate latency, CPU and RSS per 1000 requests',
  async run(ctx) {
    const r = await runJsonBench<BenchResult>(ctx, 'apps/ztunnel');
    const by = (id: PathResult['id']): PathResult | undefined => r.paths.find((p) => p.id === id);
    const values = (
      f: (p: PathResult) => number | undefined,
    ): Record<string, number | undefined> => {
      const out: Record<string, number | undefined> = {};
      for (const id of ['direct', 'relay', 'hbone'] as const) {
        const p = by(id);
        out[id] = p ? f(p) : undefined;
      }
      return out;
    };
    const report: SuiteReport = {
      title: `ztunnel end to end: ${r.config.rate} req/s for ${r.config.seconds} s, ${r.config.messageBytes} B request/response, ${r.config.connections} connections; bulk ${r.config.bulkMiB} MiB`,
      variants: [
        { id: 'direct', label: 'direct' },
        { id: 'relay', label: 'tcp relay' },
        { id: 'hbone', label: 'ztunnel pair' },
      ],
      subject: 'hbone',
      baselines: ['direct', 'relay'],
      measurements: [
        {
          metric: 'bulk throughput, 1 stream',
          unit: 'Gb/s',
          values: values((p) => p.throughputGbps),
        },
        { metric: 'latency p50 at fixed rate', unit: 'ms', values: values((p) => p.p50Ms) },
        { metric: 'latency p99 at fixed rate', unit: 'ms', values: values((p) => p.p99Ms) },
        { metric: 'achieved rate', unit: 'ops/s', values: values((p) => p.achievedRps) },
        {
          metric: 'proxy CPU per request (all proxy processes)',
          unit: 'CPU µs/op',
          values: values((p) =>
            p.proxyCpuSecondsPer1000 === undefined ? undefined : p.proxyCpuSecondsPer1000 * 1000,
          ),
        },
        {
          metric: 'proxy RSS (largest process)',
          unit: 'MiB',
          values: values((p) => (p.proxyRssMiB ? Math.max(...p.proxyRssMiB) : undefined)),
        },
      ],
      notes: [
        'CPU µs/op ÷ 1000 = CPU seconds per 1000 requests; the ztunnel pair is two processes, the relay one.',
        'Upstream (Istio 1.24 docs, 1000 HTTP rps, 1 KB): about 0.06 vCPU and 12 MB per ztunnel.',
      ],
    };
    return [report];
  },
};
