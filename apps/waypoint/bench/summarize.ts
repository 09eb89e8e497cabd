// Turns the raw samples of a run into the figures it reports. Pure.

import type { PathId } from './topology.js';

/** What one repetition measured on one path. */
export interface RepetitionSample {
  readonly latencyMs: readonly number[];
  readonly completed: number;
  readonly elapsedMs: number;
  /** CPU seconds each process spent during the throughput window (undefined: not readable here). */
  readonly cpuSeconds: {
    readonly client: number;
    readonly pods: number | undefined;
    readonly waypoint: number | undefined;
  };
  /** The waypoint's RSS right after the window, MiB. */
  readonly waypointRssMiB: number | undefined;
}

export interface PathResult {
  readonly id: PathId;
  /** Sequential requests, all repetitions pooled. */
  readonly latency: {
    readonly samples: number;
    readonly p50Ms: number;
    readonly p90Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
  };
  /** Closed loop; the median over repetitions, and each. */
  readonly requestsPerSecond: number;
  readonly requestsPerSecondByRepetition: readonly number[];
  /**
   * CPU seconds per 1000 requests in the throughput window (median over
   * repetitions) of each process, and of all three together. Equal to the
   * vCPUs the path would use at 1000 requests per second.
   */
  readonly cpuSecondsPer1000: {
    readonly client: number;
    readonly pods: number | undefined;
    readonly waypoint: number | undefined;
    readonly total: number | undefined;
  };
  /** Largest waypoint RSS seen right after a throughput window, MiB. */
  readonly waypointRssMiB: number | undefined;
}

/** The q-quantile (0..1), nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

function medianOf(values: readonly (number | undefined)[]): number | undefined {
  if (values.some((v) => v === undefined)) return undefined;
  return quantile(values as number[], 0.5);
}

function maxOf(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? Math.max(...known) : undefined;
}

export function summarizePath(id: PathId, reps: readonly RepetitionSample[]): PathResult {
  const latency = reps.flatMap((r) => r.latencyMs);
  const per1000 = (cpu: number | undefined, r: RepetitionSample): number | undefined =>
    cpu === undefined || r.completed === 0 ? undefined : (cpu / r.completed) * 1000;
  const total = (r: RepetitionSample): number | undefined =>
    r.cpuSeconds.pods === undefined || r.cpuSeconds.waypoint === undefined
      ? undefined
      : r.cpuSeconds.client + r.cpuSeconds.pods + r.cpuSeconds.waypoint;
  const rps = reps.map((r) => (r.completed / r.elapsedMs) * 1000);
  return {
    id,
    latency: {
      samples: latency.length,
      p50Ms: quantile(latency, 0.5),
      p90Ms: quantile(latency, 0.9),
      p99Ms: quantile(latency, 0.99),
      maxMs: latency.length ? Math.max(...latency) : Number.NaN,
    },
    requestsPerSecond: quantile(rps, 0.5),
    requestsPerSecondByRepetition: rps,
    cpuSecondsPer1000: {
      client: medianOf(reps.map((r) => per1000(r.cpuSeconds.client, r))) ?? Number.NaN,
      pods: medianOf(reps.map((r) => per1000(r.cpuSeconds.pods, r))),
      waypoint: medianOf(reps.map((r) => per1000(r.cpuSeconds.waypoint, r))),
      total: medianOf(reps.map((r) => per1000(total(r), r))),
    },
    waypointRssMiB: maxOf(reps.map((r) => r.waypointRssMiB)),
  };
}

/** The sum of the waypoint's istio_requests_total series with this response code. */
export function requestsCounted(prometheusText: string, responseCode: number): number {
  let sum = 0;
  for (const line of prometheusText.split('\n')) {
    if (
      line.startsWith('istio_requests_total{') &&
      line.includes('reporter="waypoint"') &&
      line.includes(`response_code="${responseCode}"`)
    ) {
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

/** `items` rotated left by `by`, so that no path always runs first. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const k = items.length ? by % items.length : 0;
  return [...items.slice(k), ...items.slice(0, k)];
}
