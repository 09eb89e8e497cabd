// The environment the fuzz budget reads (the only place it is read). `npm test`
// leaves all three unset: each target then runs its small default number of
// cases, cut off after a few seconds. `npm run fuzz` sets them for a long run.

/** Cases per target (overrides each target's default). */
export const FUZZ_RUNS_ENV = 'AMBIENT_FUZZ_RUNS';
/** Wall-clock cap per target, in seconds. */
export const FUZZ_SECONDS_ENV = 'AMBIENT_FUZZ_SECONDS';
/** File that collects one JSON line per target run (executions, time); unset = no report. */
export const FUZZ_REPORT_ENV = 'AMBIENT_FUZZ_REPORT';
/** Seed to replay a failure that fast-check printed. */
export const FUZZ_SEED_ENV = 'AMBIENT_FUZZ_SEED';

/** The budget npm test uses when nothing is set: a few seconds per target at most. */
export const DEFAULT_FUZZ_SECONDS = 3;

export interface FuzzEnv {
  readonly runs: number | undefined;
  readonly seconds: number;
  readonly reportFile: string | undefined;
  readonly seed: number | undefined;
}

function positiveNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new Error(`${name}=${value}: expected a positive number`);
  }
  return n;
}

export function readFuzzEnv(env: NodeJS.ProcessEnv = process.env): FuzzEnv {
  const seed = env[FUZZ_SEED_ENV];
  return {
    runs: positiveNumber(FUZZ_RUNS_ENV, env[FUZZ_RUNS_ENV]),
    seconds: positiveNumber(FUZZ_SECONDS_ENV, env[FUZZ_SECONDS_ENV]) ?? DEFAULT_FUZZ_SECONDS,
    reportFile: env[FUZZ_REPORT_ENV] || undefined,
    seed: seed === undefined || seed === '' ? undefined : Number(seed),
  };
}
