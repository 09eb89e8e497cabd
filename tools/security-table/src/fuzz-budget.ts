// One fixed budget for every property-based fuzz target (`*.fuzz.test.ts`).
// A target runs `runs` cases or until its time cap, whichever comes first, so
// `npm test` spends a few seconds per target even on a loaded 2-core machine,
// and `npm run fuzz` (big budget from the environment) reports the executions
// each target really got.
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { readFuzzEnv } from './fuzz-config.js';

/** What one target run did; `npm run fuzz` prints these. */
export interface FuzzReportLine {
  readonly target: string;
  readonly executions: number;
  readonly ms: number;
  readonly interrupted: boolean;
}

export interface FuzzOptions<Ts = unknown> {
  /** Cases in a plain `npm test` (AMBIENT_FUZZ_RUNS overrides it). */
  readonly runs?: number;
  /**
   * Cases run first, before any generated one and whatever the time cap: the
   * inputs a target's "some requests got through" check relies on, so that a
   * loaded machine's short budget cannot make it flaky.
   */
  readonly examples?: Ts[];
}

const DEFAULT_RUNS = 300;

/** The vitest timeout a fuzz test needs: its time cap plus room for shrinking a failure. */
export function fuzzTimeoutMs(): number {
  return readFuzzEnv().seconds * 1000 + 30_000;
}

/**
 * Runs `property` within the budget and throws fast-check's report (seed,
 * counterexample, shrunk path) when it fails. A run cut off by the time cap
 * before a single case passed counts as a failure: a target that cannot run
 * once within its budget is broken, not fuzzed.
 */
export async function fuzz<Ts>(
  target: string,
  property: fc.IRawProperty<Ts>,
  options: FuzzOptions<Ts> = {},
): Promise<void> {
  const env = readFuzzEnv();
  const started = performance.now();
  const details = await fc.check(property, {
    numRuns: env.runs ?? options.runs ?? DEFAULT_RUNS,
    interruptAfterTimeLimit: env.seconds * 1000,
    markInterruptAsFailure: false,
    ...(options.examples ? { examples: options.examples } : {}),
    ...(env.seed === undefined ? {} : { seed: env.seed }),
  });
  const ms = Math.round(performance.now() - started);
  if (env.reportFile) {
    const line: FuzzReportLine = {
      target,
      executions: details.numRuns,
      ms,
      interrupted: details.interrupted,
    };
    appendFileSync(env.reportFile, `${JSON.stringify(line)}\n`);
  }
  if (details.failed) {
    // The property's own error (an assertion diff, a stack) says what broke.
    const cause = details.errorInstance instanceof Error ? details.errorInstance : undefined;
    throw new Error(
      `fuzz target "${target}" failed:\n${await fc.asyncDefaultReportMessage(details)}` +
        (cause ? `\n${cause.stack ?? cause.message}` : ''),
      { cause },
    );
  }
  if (details.numRuns === 0) {
    throw new Error(`fuzz target "${target}": no case ran within ${env.seconds} s`);
  }
}
