// The bench's own readable output (without --json): one table, absolute
// figures per path and the waypoint's ratios to the two baselines.

import type { BenchResult } from './run.js';
import type { PathResult } from './summarize.js';

type Pick = (p: PathResult) => number | undefined;

function fmt(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || !b ? '–' : `${(a / b).toFixed(2)}×`;
}

export function renderTable(r: BenchResult): string {
  const by = (id: PathResult['id']): PathResult | undefined => r.paths.find((p) => p.id === id);
  const [d, h, w] = [by('direct'), by('hbone'), by('waypoint')];
  const rows: [string, Pick, number][] = [
    ['latency p50 (ms)', (p) => p.latency.p50Ms, 3],
    ['latency p90 (ms)', (p) => p.latency.p90Ms, 3],
    ['latency p99 (ms)', (p) => p.latency.p99Ms, 3],
    [`throughput, ${r.config.concurrency} clients (req/s)`, (p) => p.requestsPerSecond, 0],
    ['CPU s / 1000 req, all processes', (p) => p.cpuSecondsPer1000.total, 3],
    // The other paths do not pass the waypoint; its idle CPU there is no figure of theirs.
    [
      'CPU s / 1000 req, waypoint',
      (p) => (p.id === 'waypoint' ? p.cpuSecondsPer1000.waypoint : undefined),
      3,
    ],
    ['CPU s / 1000 req, pods', (p) => p.cpuSecondsPer1000.pods, 3],
    ['CPU s / 1000 req, client', (p) => p.cpuSecondsPer1000.client, 3],
  ];
  const header = ['metric', 'direct', 'hbone', 'waypoint', 'waypoint/direct', 'waypoint/hbone'];
  const body = rows.map(([label, pick, digits]) => [
    label,
    fmt(d && pick(d), digits),
    fmt(h && pick(h), digits),
    fmt(w && pick(w), digits),
    ratio(w && pick(w), d && pick(d)),
    ratio(w && pick(w), h && pick(h)),
  ]);
  const widths = header.map((c, i) =>
    Math.max(c.length, ...body.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  const c = r.config;
  return [
    `waypoint on loopback: ${c.sequentialRequests} sequential requests and ${c.seconds} s × ${c.concurrency} clients per path, ${c.repeat} repetitions, ${c.bodyBytes} B responses`,
    '',
    line(header),
    ...body.map(line),
    '',
    `waypoint RSS: ${fmt(r.waypoint.rssIdleMiB, 0)} MiB idle, ${fmt(r.waypoint.rssLoadedMiB, 0)} MiB under load (largest after a window)`,
    `istio_requests_total: ${r.waypoint.requestsCounted} counted / ${r.waypoint.requestsAnswered} answered 200 while measuring`,
    `processes: ${r.setup.processes.join('; ')}`,
    `connections: ${r.setup.connections}`,
  ].join('\n');
}
