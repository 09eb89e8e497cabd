import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fuzz } from './fuzz-budget.js';
import { FUZZ_REPORT_ENV, FUZZ_RUNS_ENV, FUZZ_SECONDS_ENV, readFuzzEnv } from './fuzz-config.js';
import { parseFuzzReport, renderFuzzReport } from './fuzz-report.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of [FUZZ_REPORT_ENV, FUZZ_RUNS_ENV, FUZZ_SECONDS_ENV]) {
    if (saved[k] === undefined) Reflect.deleteProperty(process.env, k);
    else process.env[k] = saved[k];
  }
});

describe('fuzz budget', () => {
  it('runs the default number of cases and reports executions per target', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fuzz-budget-'));
    process.env[FUZZ_REPORT_ENV] = path.join(dir, 'r.jsonl');
    Reflect.deleteProperty(process.env, FUZZ_RUNS_ENV);
    let calls = 0;
    await fuzz(
      'count',
      fc.property(fc.integer(), () => {
        calls++;
      }),
      { runs: 37 },
    );
    const lines = parseFuzzReport(readFileSync(path.join(dir, 'r.jsonl'), 'utf8'));
    rmSync(dir, { recursive: true });
    expect(calls).toBe(37);
    expect(lines).toMatchObject([{ target: 'count', executions: 37, interrupted: false }]);
    expect(renderFuzzReport(lines)).toContain('| count | 37 |');
  });

  it('takes the run count from the environment over the target default', async () => {
    process.env[FUZZ_RUNS_ENV] = '5';
    let calls = 0;
    await fuzz(
      'env',
      fc.property(fc.nat(), () => {
        calls++;
      }),
      { runs: 1000 },
    );
    expect(calls).toBe(5);
  });

  it('throws fast-check’s report (seed and counterexample) when the property fails', async () => {
    await expect(
      fuzz(
        'fails',
        fc.property(fc.nat(), (n) => n < 10),
      ),
    ).rejects.toThrow(/fuzz target "fails" failed:[\s\S]*seed[\s\S]*Counterexample: \[10\]/);
  });

  it('refuses a malformed budget instead of running an unknown one', () => {
    expect(() => readFuzzEnv({ [FUZZ_SECONDS_ENV]: 'soon' })).toThrow(/expected a positive/);
  });
});
