// istiod: push latency (one pod change → all connected delta-ADS clients
// ACKed) and CA signing rate (ECDSA P-256 CSRs over gRPC/TLS). The measuring
// lives in apps/istiod/bench (it drives istiod's own index and servers); this
// suite runs it and reports. Baselines are measured in the same run: the push
// with no debounce, and the CA with one request in flight.

import { runJsonBench } from '../run-json-bench.js';
import type { SuiteReport } from '../report.js';
import type { Suite } from '../suite.js';

interface PushResult {
  readonly options: { clients: number; workloads: number; changes: number; debounceMs: number };
  readonly samplesMs: readonly number[];
  readonly initialSyncMs: number;
}

interface SigningResult {
  readonly options: { requests: number; concurrency: number; caKey: 'rsa' | 'ec' };
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

interface BenchResult {
  readonly push: readonly PushResult[];
  readonly signing: readonly SigningResult[];
}

function quantile(samples: readonly number[], q: number): number | undefined {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function pushReport(push: readonly PushResult[]): SuiteReport {
  const id = (r: PushResult): string => `debounce-${r.options.debounceMs}`;
  const values = (f: (r: PushResult) => number | undefined): Record<string, number | undefined> =>
    Object.fromEntries(push.map((r) => [id(r), f(r)]));
  const first = push[0]?.options;
  return {
    title: `istiod push latency: one pod change → all ${first?.clients ?? '?'} clients ACKed (${first?.workloads ?? '?'} workloads, ${first?.changes ?? '?'} changes)`,
    variants: push.map((r) => ({ id: id(r), label: `debounce ${r.options.debounceMs} ms` })),
    subject: 'debounce-100',
    baselines: ['debounce-0'],
    measurements: [
      { metric: 'initial full sync', unit: 'ms', values: values((r) => r.initialSyncMs) },
      { metric: 'push p50', unit: 'ms', values: values((r) => quantile(r.samplesMs, 0.5)) },
      { metric: 'push p99', unit: 'ms', values: values((r) => quantile(r.samplesMs, 0.99)) },
      { metric: 'push max', unit: 'ms', values: values((r) => Math.max(...r.samplesMs)) },
    ],
    notes: ['The clients share istiod’s process; apiserver watch latency is not included.'],
  };
}

function signingReport(signing: readonly SigningResult[]): SuiteReport {
  const id = (r: SigningResult): string => `${r.options.caKey}-${r.options.concurrency}`;
  const values = (
    f: (r: SigningResult) => number | undefined,
  ): Record<string, number | undefined> => Object.fromEntries(signing.map((r) => [id(r), f(r)]));
  return {
    title: `istiod CA: ECDSA P-256 CSRs signed over gRPC/TLS (${signing[0]?.options.requests ?? '?'} per variant)`,
    variants: signing.map((r) => ({
      id: id(r),
      label: `${r.options.caKey.toUpperCase()} CA, ${r.options.concurrency} in flight`,
    })),
    subject: 'ec-16',
    baselines: ['ec-1', 'rsa-16'],
    measurements: [
      { metric: 'signing rate', unit: 'ops/s', values: values((r) => r.perSecond) },
      { metric: 'latency p50', unit: 'ms', values: values((r) => r.p50Ms) },
      { metric: 'latency p99', unit: 'ms', values: values((r) => r.p99Ms) },
    ],
    notes: ['TokenReview is answered in process, so the rate is the CA’s own.'],
  };
}

export const istiodControlPlane: Suite = {
  id: 'istiod',
  description: 'istiod push latency (change → all clients ACKed) and CA signing rate',
  async run(ctx) {
    const r = await runJsonBench<BenchResult>(ctx, 'apps/istiod');
    return [pushReport(r.push), signingReport(r.signing)];
  },
};
