// Benchmark sizes, overridable from the environment (the only place the
// bench reads it). Defaults keep a run near one minute on a 2-core box.

export interface BenchConfig {
  /** Sequential requests per path and repetition for the latency figures (BENCH_WP_REQUESTS). */
  readonly sequentialRequests: number;
  /** Concurrent keep-alive clients for the throughput figures (BENCH_WP_CONCURRENCY). */
  readonly concurrency: number;
  /** Length of each throughput window, seconds (BENCH_WP_SECONDS). */
  readonly seconds: number;
  /** Response body size, bytes (BENCH_WP_BODY_BYTES). */
  readonly bodyBytes: number;
  /** Closed-loop warm-up per path before measuring, seconds (BENCH_WP_WARMUP_SECONDS). */
  readonly warmupSeconds: number;
  /** Repetitions, paths interleaved within each (BENCH_REPEAT). */
  readonly repeat: number;
  /** The waypoint's LOG_LEVEL; at "info" (its default) it writes an access log line per request (BENCH_WP_LOG_LEVEL). */
  readonly waypointLogLevel: string;
  /** Run the waypoint from dist/ (BENCH_WP_DIST=1; build it first) instead of src/ through tsx. */
  readonly fromDist: boolean;
  /** When set, the waypoint writes a V8 CPU profile there on exit (BENCH_PROFILE_DIR). */
  readonly profileDir: string | undefined;
  /** Print the result as JSON (for tools/bench) instead of a table. */
  readonly json: boolean;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name}=${raw}: expected a positive integer`);
  return n;
}

export function loadBenchConfig(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
): BenchConfig {
  return {
    sequentialRequests: int(env, 'BENCH_WP_REQUESTS', 1000),
    concurrency: int(env, 'BENCH_WP_CONCURRENCY', 16),
    seconds: int(env, 'BENCH_WP_SECONDS', 3),
    bodyBytes: int(env, 'BENCH_WP_BODY_BYTES', 1024),
    warmupSeconds: int(env, 'BENCH_WP_WARMUP_SECONDS', 1),
    repeat: int(env, 'BENCH_REPEAT', 3),
    waypointLogLevel: env.BENCH_WP_LOG_LEVEL || 'info',
    fromDist: env.BENCH_WP_DIST === '1',
    profileDir: env.BENCH_PROFILE_DIR || undefined,
    json: argv.includes('--json'),
  };
}
