// `npm run bench -w @ambient-ts/istiod [-- --json]`: istiod's push latency
// (one change → all N clients ACKed) and CA signing rate (ECDSA P-256 CSRs
// per second over gRPC/TLS). Sizes from BENCH_XDS_CLIENTS, BENCH_WORKLOADS,
// BENCH_CHANGES, BENCH_CSRS. Prints tables, or JSON with --json (for
// tools/bench).

import { setPriority } from 'node:os';
import { measureCaSigning, type CaSigningResult } from './ca-signing.js';
import { loadBenchConfig } from './config.js';
import { measurePushLatency, type PushLatencyResult } from './push-latency.js';

function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
  );
}

try {
  setPriority(5);
} catch {
  // not permitted; run at normal priority
}

const json = process.argv.includes('--json');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const { clients, workloads, changes, csrs } = loadBenchConfig();

const push: PushLatencyResult[] = [];
for (const debounceMs of [100, 0]) {
  log(
    `push latency: ${clients} clients, ${workloads} workloads, ${changes} changes, debounce ${debounceMs} ms`,
  );
  push.push(await measurePushLatency({ clients, workloads, changes, debounceMs }));
}
const signing: CaSigningResult[] = [];
for (const caKey of ['rsa', 'ec'] as const) {
  for (const concurrency of [1, 16]) {
    log(`CA signing: ${csrs} CSRs, ${concurrency} in flight, ${caKey} CA`);
    signing.push(await measureCaSigning({ requests: csrs, concurrency, caKey }));
  }
}

if (json) {
  process.stdout.write(`${JSON.stringify({ push, signing }, null, 2)}\n`);
} else {
  console.log(
    `\nistiod push latency (change → all ${clients} clients ACKed; ${workloads} workloads in the mesh)\n`,
  );
  console.log('debounce  initial sync  p50       p90       p99       max');
  for (const r of push) {
    const s = r.samplesMs;
    const f = (v: number): string => `${v.toFixed(1)} ms`.padEnd(10);
    console.log(
      `${`${r.options.debounceMs} ms`.padEnd(10)}${f(r.initialSyncMs).padEnd(14)}${f(quantile(s, 0.5))}${f(quantile(s, 0.9))}${f(quantile(s, 0.99))}${f(Math.max(...s))}`,
    );
  }
  console.log(
    `\nCA signing rate (ECDSA P-256 CSRs, gRPC over TLS on loopback, ${csrs} requests)\n`,
  );
  console.log('CA key  in flight  CSR/s     p50       p99');
  for (const r of signing) {
    console.log(
      `${r.options.caKey.padEnd(8)}${String(r.options.concurrency).padEnd(11)}${r.perSecond.toFixed(0).padEnd(10)}${`${r.p50Ms.toFixed(2)} ms`.padEnd(10)}${r.p99Ms.toFixed(2)} ms`,
    );
  }
}
process.exit(0);
