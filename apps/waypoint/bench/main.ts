// `npm run bench -w @ambient-ts/waypoint [-- --json]`: the waypoint (its own
// process) against a direct TCP connection and a bare HBONE tunnel to the
// same pods, measured in one run: sequential latency, closed-loop throughput,
// CPU per 1000 requests per process, and the waypoint's RSS. Sizes from
// BENCH_WP_* and BENCH_REPEAT (config.ts). Prints a table, or JSON with
// --json (for tools/bench).

import { setPriority } from 'node:os';
import { loadBenchConfig } from './config.js';
import { runBench } from './run.js';
import { renderTable } from './table.js';

try {
  setPriority(5);
} catch {
  // Not permitted; run at normal priority.
}

// Exit through process.exit so that the helper processes are killed with us.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`waypoint bench: ${signal}\n`);
    process.exit(130);
  });
}

const cfg = loadBenchConfig();
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

try {
  const result = await runBench(cfg, log);
  process.stdout.write(
    cfg.json ? `${JSON.stringify(result, null, 2)}\n` : `\n${renderTable(result)}\n`,
  );
  process.exit(0);
} catch (err) {
  process.stderr.write(`waypoint bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}
