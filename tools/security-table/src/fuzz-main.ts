// npm run fuzz: runs only the *.fuzz.test.ts files of every project with a big
// budget (the same files run in npm test with a few seconds each) and prints
// the executions each target got. AMBIENT_FUZZ_RUNS / AMBIENT_FUZZ_SECONDS
// from the caller's environment override the long-run defaults below.
import { FUZZ_REPORT_ENV, FUZZ_RUNS_ENV, FUZZ_SECONDS_ENV } from './fuzz-config.js';
import { parseFuzzReport, renderFuzzReport } from './fuzz-report.js';
import { runTestFiles } from './run-test-files.js';

const LONG_RUNS = '1000000';
const LONG_SECONDS = '20';

const { status, records: lines } = runTestFiles({
  filter: 'fuzz.test',
  parallel: 1,
  env: {
    ...process.env,
    [FUZZ_RUNS_ENV]: process.env[FUZZ_RUNS_ENV] || LONG_RUNS,
    [FUZZ_SECONDS_ENV]: process.env[FUZZ_SECONDS_ENV] || LONG_SECONDS,
  },
  recordEnv: FUZZ_REPORT_ENV,
  parse: parseFuzzReport,
});
const total = lines.reduce((n, l) => n + l.executions, 0);
console.log(`\nFuzz: ${new Set(lines.map((l) => l.target)).size} targets, ${total} executions\n`);
console.log(renderFuzzReport(lines));
if (status !== 0 || lines.length === 0) {
  console.error(lines.length === 0 ? 'no fuzz target ran' : `fuzz tests failed (exit ${status})`);
  process.exit(1);
}
