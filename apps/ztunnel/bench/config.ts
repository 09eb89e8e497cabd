// Benchmark knobs from the environment (the only place the bench reads it).

export interface BenchConfig {
  /** MiB uploaded over one connection for the throughput figure. */
  readonly bulkMiB: number;
  /** Fixed request rate of the latency phase, requests per second. */
  readonly rate: number;
  /** Length of the latency phase, seconds. */
  readonly seconds: number;
  /** Persistent connections the requests are spread over. */
  readonly connections: number;
  /** Request and response size, bytes. */
  readonly messageBytes: number;
  /** Print JSON (for tools/bench) instead of a table. */
  readonly json: boolean;
  /** Run the ztunnels from dist/ (BENCH_ZTUNNEL_DIST=1; build first) instead of the sources via tsx. */
  readonly fromDist: boolean;
  /** BENCH_PROFILE_DIR: the ztunnels write V8 CPU profiles there (they must exit cleanly, so SIGTERM). */
  readonly profileDir: string | undefined;
}

function num(name: string, dflt: number): number {
  const v = process.env[name];
  const n = v === undefined || v === '' ? dflt : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: "${v}" is not a positive number`);
  return n;
}

export function loadBenchConfig(argv: readonly string[]): BenchConfig {
  return {
    bulkMiB: num('BENCH_BULK_MIB', 64),
    rate: num('BENCH_RATE', 1000),
    seconds: num('BENCH_SECONDS', 5),
    connections: num('BENCH_CONNECTIONS', 8),
    messageBytes: num('BENCH_MESSAGE_BYTES', 1024),
    json: argv.includes('--json'),
    fromDist: process.env.BENCH_ZTUNNEL_DIST === '1',
    profileDir: process.env.BENCH_PROFILE_DIR || undefined,
  };
}
