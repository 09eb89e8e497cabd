// The measuring schedule: verify every path answers, warm each up, then
// repeat { latency on each path; throughput on each path }, the paths'
// order rotating between repetitions, and summarize. The CPU of each process
// is read at the edges of every throughput window.

import type { BenchConfig } from './config.js';
import { closedLoop, sequential } from './load.js';
import { ownCpuSeconds, processCpuSeconds, processRssMiB } from './process-usage.js';
import {
  requestsCounted,
  rotate,
  summarizePath,
  type PathResult,
  type RepetitionSample,
} from './summarize.js';
import { PATHS, startTopology, type PathId, type Topology } from './topology.js';

export interface BenchResult {
  readonly config: Omit<BenchConfig, 'json' | 'profileDir'>;
  /** How the run was set up, for whoever reads the figures. */
  readonly setup: {
    readonly processes: readonly string[];
    readonly connections: string;
  };
  readonly paths: readonly PathResult[];
  readonly waypoint: {
    readonly rssIdleMiB: number | undefined;
    readonly rssLoadedMiB: number | undefined;
    /** 200s the bench received through the waypoint while measuring… */
    readonly requestsAnswered: number;
    /** …and the waypoint's istio_requests_total{response_code="200"} increase over the same time. */
    readonly requestsCounted: number;
  };
}

interface Usage {
  readonly client: number;
  readonly pods: number | undefined;
  readonly waypoint: number | undefined;
}

function usage(topo: Topology): Usage {
  return {
    client: ownCpuSeconds(),
    pods: processCpuSeconds(topo.pids.pods),
    waypoint: processCpuSeconds(topo.pids.waypoint),
  };
}

const minus = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined ? undefined : a - b;

async function verify(topo: Topology): Promise<void> {
  for (const id of PATHS) await sequential(topo.open[id], topo.request, 1, `${id} check`);
  // Without the route's header nothing matches: the waypoint routes, it does not just relay.
  await sequential(topo.open.waypoint, topo.unroutedRequest, 1, 'unrouted check').then(
    () => {
      throw new Error('the waypoint answered 200 to a request no route matches');
    },
    (err: unknown) => {
      if (!/HTTP 404/.test((err as Error).message)) throw err;
    },
  );
}

export async function runBench(cfg: BenchConfig, log: (l: string) => void): Promise<BenchResult> {
  const topo = await startTopology(cfg, log);
  try {
    await verify(topo);
    log('every path answers; the waypoint routes by header');
    const rssIdleMiB = processRssMiB(topo.pids.waypoint);

    for (const id of PATHS) {
      log(`warm-up: ${id}`);
      await closedLoop(topo.open[id], topo.request, {
        concurrency: cfg.concurrency,
        seconds: cfg.warmupSeconds,
        what: `${id} warm-up`,
      });
      await sequential(topo.open[id], topo.request, 200, `${id} warm-up`);
    }

    const before = requestsCounted(await topo.waypointMetrics(), 200);
    let answered = 0;
    const latency = new Map<PathId, number[][]>(PATHS.map((id) => [id, []]));
    const windows = new Map<PathId, Omit<RepetitionSample, 'latencyMs'>[]>(
      PATHS.map((id) => [id, []]),
    );
    for (let rep = 0; rep < cfg.repeat; rep++) {
      const order = rotate(PATHS, rep);
      for (const id of order) {
        log(
          `repetition ${rep + 1}/${cfg.repeat}: ${id}, ${cfg.sequentialRequests} sequential requests`,
        );
        latency
          .get(id)
          ?.push(await sequential(topo.open[id], topo.request, cfg.sequentialRequests, id));
        if (id === 'waypoint') answered += cfg.sequentialRequests + 1;
      }
      for (const id of order) {
        log(
          `repetition ${rep + 1}/${cfg.repeat}: ${id}, ${cfg.concurrency} clients for ${cfg.seconds} s`,
        );
        let start: Usage | undefined;
        let stop: Usage | undefined;
        const r = await closedLoop(topo.open[id], topo.request, {
          concurrency: cfg.concurrency,
          seconds: cfg.seconds,
          what: id,
          onStart: () => (start = usage(topo)),
          onStop: () => (stop = usage(topo)),
        });
        if (id === 'waypoint') answered += r.completed + cfg.concurrency;
        windows.get(id)?.push({
          completed: r.completed,
          elapsedMs: r.elapsedMs,
          cpuSeconds: {
            client: (stop?.client ?? NaN) - (start?.client ?? NaN),
            pods: minus(stop?.pods, start?.pods),
            waypoint: minus(stop?.waypoint, start?.waypoint),
          },
          waypointRssMiB: id === 'waypoint' ? processRssMiB(topo.pids.waypoint) : undefined,
        });
      }
    }
    // The metric is recorded when a response has been written out; let the last ones land.
    await new Promise((r) => setTimeout(r, 200));
    const counted = requestsCounted(await topo.waypointMetrics(), 200) - before;

    const paths = PATHS.map((id) =>
      summarizePath(
        id,
        (windows.get(id) ?? []).map((w, i) => ({ ...w, latencyMs: latency.get(id)?.[i] ?? [] })),
      ),
    );
    return {
      config: {
        sequentialRequests: cfg.sequentialRequests,
        concurrency: cfg.concurrency,
        seconds: cfg.seconds,
        bodyBytes: cfg.bodyBytes,
        warmupSeconds: cfg.warmupSeconds,
        repeat: cfg.repeat,
        waypointLogLevel: cfg.waypointLogLevel,
        fromDist: cfg.fromDist,
      },
      setup: {
        processes: [
          'bench: clients + stand-in istiod',
          'pods: 2 × (HBONE server + HTTP app)',
          cfg.fromDist ? 'waypoint: dist/main.js' : 'waypoint: src/main.ts through tsx',
        ],
        connections:
          'keep-alive HTTP/1.1: one TCP connection (direct) or one HBONE tunnel (hbone, waypoint) per client, many requests in each',
      },
      paths,
      waypoint: {
        rssIdleMiB,
        rssLoadedMiB: paths.find((p) => p.id === 'waypoint')?.waypointRssMiB,
        requestsAnswered: answered,
        requestsCounted: counted,
      },
    };
  } finally {
    await topo.close();
  }
}
