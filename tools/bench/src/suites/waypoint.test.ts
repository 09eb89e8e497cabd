import { describe, expect, it } from 'vitest';
import { renderReport } from '../report.js';
import { suites } from './index.js';
import { waypointReport, type WaypointBenchResult } from './waypoint.js';

const result: WaypointBenchResult = {
  config: {
    sequentialRequests: 1000,
    concurrency: 16,
    seconds: 3,
    bodyBytes: 1024,
    repeat: 3,
    waypointLogLevel: 'info',
    fromDist: false,
  },
  paths: [
    {
      id: 'direct',
      latency: { p50Ms: 0.05, p99Ms: 0.2 },
      requestsPerSecond: 60000,
      cpuSecondsPer1000: { waypoint: 0, total: 0.03 },
    },
    {
      id: 'hbone',
      latency: { p50Ms: 0.1, p99Ms: 0.4 },
      requestsPerSecond: 30000,
      cpuSecondsPer1000: { waypoint: 0.0001, total: 0.05 },
    },
    {
      id: 'waypoint',
      latency: { p50Ms: 1.5, p99Ms: 6 },
      requestsPerSecond: 2000,
      cpuSecondsPer1000: { waypoint: 0.5, total: 0.8 },
    },
  ],
  waypoint: { rssIdleMiB: 120, rssLoadedMiB: 170, requestsAnswered: 10, requestsCounted: 10 },
};

describe('waypoint suite', () => {
  it('is one of the suites npm run bench runs', () => {
    expect(suites.map((s) => s.id)).toContain('waypoint');
  });

  it('reports the waypoint against direct and bare HBONE, and its own CPU and RSS only for itself', () => {
    const lines = renderReport(waypointReport(result)).split('\n');
    const row = (metric: string): string[] =>
      (lines.find((l) => l.startsWith(metric)) ?? '')
        .slice(metric.length)
        .trim()
        .split(/\s{2,}/);
    expect(row('latency p50, sequential')).toEqual([
      '0.05 ms',
      '0.10 ms',
      '1.50 ms',
      '30.00×',
      '15.00×',
    ]);
    expect(row('throughput, 16 clients')).toEqual([
      '60000 ops/s',
      '30000 ops/s',
      '2000 ops/s',
      '0.03×',
      '0.07×',
    ]);
    expect(row('CPU per request, all processes')).toEqual([
      '30.0 CPU µs/op',
      '50.0 CPU µs/op',
      '800 CPU µs/op',
      '26.67×',
      '16.00×',
    ]);
    expect(row('CPU per request, waypoint process')).toEqual(['–', '–', '500 CPU µs/op', '–', '–']);
    expect(row('waypoint RSS, under load')).toEqual(['–', '–', '170 MiB', '–', '–']);
  });
});
