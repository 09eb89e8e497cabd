// waypoint: the L7 proxy as its own process on loopback, against a direct
// TCP connection and a bare HBONE tunnel to the same stand-in pods, in one
// run. The measuring lives in apps/waypoint/bench (it reuses the waypoint's
// loopback test harness: stand-in istiod, stand-in pods, the listener
// builders); this suite runs it and turns its JSON into a report.

import type { SuiteReport } from '../report.js';
import { runJsonBench } from '../run-json-bench.js';
import type { Suite } from '../suite.js';

type PathId = 'direct' | 'hbone' | 'waypoint';

/** The part of apps/waypoint/bench's JSON this report reads. */
export interface WaypointBenchResult {
  readonly config: {
    readonly sequentialRequests: number;
    readonly concurrency: number;
    readonly seconds: number;
    readonly bodyBytes: number;
    readonly repeat: number;
    readonly waypointLogLevel: string;
    readonly fromDist: boolean;
  };
  readonly paths: readonly {
    readonly id: PathId;
    readonly latency: { readonly p50Ms: number; readonly p99Ms: number };
    readonly requestsPerSecond: number;
    readonly cpuSecondsPer1000: {
      readonly waypoint?: number;
      readonly total?: number;
    };
  }[];
  readonly waypoint: {
    readonly rssIdleMiB?: number;
    readonly rssLoadedMiB?: number;
    readonly requestsAnswered: number;
    readonly requestsCounted: number;
  };
}

export function waypointReport(r: WaypointBenchResult): SuiteReport {
  const values = (
    f: (p: WaypointBenchResult['paths'][number]) => number | undefined,
  ): Record<string, number | undefined> => Object.fromEntries(r.paths.map((p) => [p.id, f(p)]));
  // CPU seconds per 1000 requests, shown per request (µs) to keep its digits.
  const perRequestUs = (s: number | undefined): number | undefined =>
    s === undefined ? undefined : s * 1000;
  const onlyWaypoint = (v: number | undefined): Record<string, number | undefined> => ({
    waypoint: v,
  });
  const c = r.config;
  return {
    title: `waypoint on loopback (ALLOW policy + one header route): ${c.sequentialRequests} sequential requests and ${c.seconds} s × ${c.concurrency} keep-alive clients per path, ${c.repeat} repetitions, ${c.bodyBytes} B responses`,
    variants: [
      { id: 'direct', label: 'direct' },
      { id: 'hbone', label: 'hbone' },
      { id: 'waypoint', label: 'waypoint' },
    ],
    subject: 'waypoint',
    baselines: ['direct', 'hbone'],
    measurements: [
      { metric: 'latency p50, sequential', unit: 'ms', values: values((p) => p.latency.p50Ms) },
      { metric: 'latency p99, sequential', unit: 'ms', values: values((p) => p.latency.p99Ms) },
      {
        metric: `throughput, ${c.concurrency} clients`,
        unit: 'ops/s',
        values: values((p) => p.requestsPerSecond),
      },
      {
        metric: 'CPU per request, all processes',
        unit: 'CPU µs/op',
        values: values((p) => perRequestUs(p.cpuSecondsPer1000.total)),
      },
      {
        metric: 'CPU per request, waypoint process',
        unit: 'CPU µs/op',
        values: onlyWaypoint(
          perRequestUs(r.paths.find((p) => p.id === 'waypoint')?.cpuSecondsPer1000.waypoint),
        ),
      },
      { metric: 'waypoint RSS, idle', unit: 'MiB', values: onlyWaypoint(r.waypoint.rssIdleMiB) },
      {
        metric: 'waypoint RSS, under load',
        unit: 'MiB',
        values: onlyWaypoint(r.waypoint.rssLoadedMiB),
      },
    ],
    notes: [
      'direct: TCP to the app; hbone: an HBONE tunnel straight to the pod; waypoint: HBONE to the waypoint, which keeps HBONE connections to the pods alive and reuses them.',
      'Each client keeps one connection (direct) or one tunnel (hbone, waypoint) and sends its requests on it one after another.',
      'Processes: bench (clients, stand-in istiod), pods (HBONE servers + apps), waypoint; CPU is read per process.',
      'CPU µs/op ÷ 1000 = CPU seconds per 1000 requests = vCPU at 1000 req/s; Istio 1.24 publishes about 0.25 vCPU and 60 MB per 1000 rps for its Envoy waypoint.',
      `waypoint LOG_LEVEL=${c.waypointLogLevel}${c.waypointLogLevel === 'info' ? ' (an access log line per request)' : ''}, run from ${c.fromDist ? 'dist/' : 'src/ through tsx (its RSS includes the loader; BENCH_WP_DIST=1 runs the build)'}.`,
      `istio_requests_total counted ${r.waypoint.requestsCounted} of the ${r.waypoint.requestsAnswered} requests answered through the waypoint.`,
    ],
  };
}

export const waypointL7: Suite = {
  id: 'waypoint',
  description:
    'waypoint (own process, L7 policy + header route) vs direct TCP and a bare HBONE tunnel: sequential latency, throughput with concurrent clients, CPU per request, RSS',
  async run(ctx) {
    return [waypointReport(await runJsonBench<WaypointBenchResult>(ctx, 'apps/waypoint'))];
  },
};
