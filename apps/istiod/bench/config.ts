// Benchmark sizes, overridable from the environment (the only place the
// bench reads it).

export interface BenchConfig {
  /** Connected delta-ADS clients (BENCH_XDS_CLIENTS, 100). */
  readonly clients: number;
  /** Workloads in the mesh (BENCH_WORKLOADS, 1000). */
  readonly workloads: number;
  /** Measured changes per run (BENCH_CHANGES, 30). */
  readonly changes: number;
  /** CreateCertificate calls per CA run (BENCH_CSRS, 2000). */
  readonly csrs: number;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name}=${raw}: expected a positive integer`);
  return n;
}

export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  return {
    clients: int(env, 'BENCH_XDS_CLIENTS', 100),
    workloads: int(env, 'BENCH_WORKLOADS', 1000),
    changes: int(env, 'BENCH_CHANGES', 30),
    csrs: int(env, 'BENCH_CSRS', 2000),
  };
}
