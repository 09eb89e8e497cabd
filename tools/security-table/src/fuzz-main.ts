// npm run fuzz: runs only the *.fuzz.test.ts files of every project with a big
// budget (the same files run in npm test with a few seconds each) and prints
// the executions each target got. AMBIENT_FUZZ_RUNS / AMBIENT_FUZZ_SECONDS
// from the caller's environment override the long-run defaults below.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { FUZZ_REPORT_ENV, FUZZ_RUNS_ENV, FUZZ_SECONDS_ENV } from './fuzz-config.js';
import { parseFuzzReport, renderFuzzReport } from './fuzz-report.js';

const LONG_RUNS = '1000000';
const LONG_SECONDS = '20';

const dir = mkdtempSync(path.join(tmpdir(), 'fuzz-report-'));
const file = path.join(dir, 'fuzz.jsonl');
const run = spawnSync(
  'npx',
  [
    'nx',
    'run-many',
    '-t',
    'test',
    '--outputStyle=stream',
    '--skip-nx-cache',
    '--parallel=1',
    '--exclude=@ambient-ts/local-cluster,@ambient-ts/e2e',
    '--',
    'fuzz.test',
    '--passWithNoTests',
  ],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      [FUZZ_RUNS_ENV]: process.env[FUZZ_RUNS_ENV] || LONG_RUNS,
      [FUZZ_SECONDS_ENV]: process.env[FUZZ_SECONDS_ENV] || LONG_SECONDS,
      [FUZZ_REPORT_ENV]: file,
    },
  },
);
const lines = existsSync(file) ? parseFuzzReport(readFileSync(file, 'utf8')) : [];
rmSync(dir, { recursive: true, force: true });
const total = lines.reduce((n, l) => n + l.executions, 0);
console.log(`\nFuzz: ${new Set(lines.map((l) => l.target)).size} targets, ${total} executions\n`);
console.log(renderFuzzReport(lines));
if (run.status !== 0 || lines.length === 0) {
  console.error(
    lines.length === 0 ? 'no fuzz target ran' : `fuzz tests failed (exit ${run.status})`,
  );
  process.exit(1);
}
