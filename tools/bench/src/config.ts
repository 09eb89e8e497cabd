// Benchmark sizes, overridable from the environment (the only place the
// bench reads it).

export interface BenchConfig {
  /** Bytes per bulk transfer (one stream, and split across the parallel streams). */
  readonly bulkBytes: number;
  readonly parallelStreams: number;
  /** Sequential request/response round trips per latency sample set. */
  readonly pingPongs: number;
  readonly pingPongBytes: number;
  /** Sequential new connections (each with one echo) per sample set. */
  readonly connects: number;
  /** Each measurement is repeated this often, variants interleaved; the median is reported. */
  readonly repeat: number;
  /** Only these paths (ids), e.g. to profile one; all when empty. */
  readonly paths: readonly string[];
  /** When set, helper processes write V8 CPU profiles (--cpu-prof) into this directory. */
  readonly profileDir: string | undefined;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name}=${raw}: expected a positive integer`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  return {
    bulkBytes: int(env, 'BENCH_BULK_MIB', 256) * 1024 * 1024,
    parallelStreams: int(env, 'BENCH_STREAMS', 8),
    pingPongs: int(env, 'BENCH_PINGS', 5000),
    pingPongBytes: int(env, 'BENCH_PING_BYTES', 1024),
    connects: int(env, 'BENCH_CONNECTS', 500),
    repeat: int(env, 'BENCH_REPEAT', 3),
    paths: (env.BENCH_PATHS ?? '').split(',').filter(Boolean),
    profileDir: env.BENCH_PROFILE_DIR || undefined,
  };
}
