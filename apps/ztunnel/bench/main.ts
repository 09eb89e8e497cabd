// `npm run bench -w apps/ztunnel [-- --json]`: runs the end-to-end bench and
// prints a table (or JSON for tools/bench).

import { runBench, type PathResult } from './run.js';

const json = process.argv.includes('--json');
const log = (l: string): void => {
  process.stderr.write(`   ${l}\n`);
};

function row(label: string, values: readonly string[]): string {
  return [label.padEnd(34), ...values.map((v) => v.padStart(12))].join(' ');
}

try {
  const r = await runBench(log);
  if (json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  } else {
    const by = (id: PathResult['id']) => r.paths.find((p) => p.id === id);
    const d = by('direct');
    const t = by('relay');
    const h = by('hbone');
    const fmt = (v: number | undefined, digits = 3) =>
      v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
    const ratio = (a: number | undefined, b: number | undefined) =>
      a && b ? `${(a / b).toFixed(2)}×` : '–';
    const lines = [
      `ztunnel end to end (netns topology, 2 nodes), ${r.config.rate} req/s × ${r.config.seconds} s, ${r.config.messageBytes} B messages, ${r.config.connections} connections, bulk ${r.config.bulkMiB} MiB`,
      '',
      row('metric', ['direct', 'tcp relay', 'hbone pair', 'hbone/direct', 'hbone/relay']),
      row('bulk throughput (Gb/s)', [
        fmt(d?.throughputGbps, 2),
        fmt(t?.throughputGbps, 2),
        fmt(h?.throughputGbps, 2),
        ratio(h?.throughputGbps, d?.throughputGbps),
        ratio(h?.throughputGbps, t?.throughputGbps),
      ]),
      row('p50 latency (ms)', [
        fmt(d?.p50Ms),
        fmt(t?.p50Ms),
        fmt(h?.p50Ms),
        ratio(h?.p50Ms, d?.p50Ms),
        ratio(h?.p50Ms, t?.p50Ms),
      ]),
      row('p99 latency (ms)', [
        fmt(d?.p99Ms),
        fmt(t?.p99Ms),
        fmt(h?.p99Ms),
        ratio(h?.p99Ms, d?.p99Ms),
        ratio(h?.p99Ms, t?.p99Ms),
      ]),
      row('achieved rate (req/s)', [
        fmt(d?.achievedRps, 0),
        fmt(t?.achievedRps, 0),
        fmt(h?.achievedRps, 0),
        '',
        '',
      ]),
      row('proxy CPU s per 1000 requests', [
        '',
        fmt(t?.proxyCpuSecondsPer1000),
        fmt(h?.proxyCpuSecondsPer1000),
        '',
        ratio(h?.proxyCpuSecondsPer1000, t?.proxyCpuSecondsPer1000),
      ]),
      row('proxy RSS (MiB, each process)', [
        '',
        (t?.proxyRssMiB ?? []).map((x) => x.toFixed(0)).join('/'),
        (h?.proxyRssMiB ?? []).map((x) => x.toFixed(0)).join('/'),
        '',
        '',
      ]),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  process.exit(0);
} catch (err) {
  process.stderr.write(`ztunnel bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
