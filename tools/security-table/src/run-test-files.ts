// The runner behind npm run test:security and npm run fuzz: every project's
// test target (but the cluster suites, which take the machine) on the test
// files whose names contain a filter, with the records those tests write
// collected through a temporary file whose path goes to them in `recordEnv`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

export interface TestFileRun<T> {
  /** Part of a test file name, as vitest filters: 'security.test', 'fuzz.test'. */
  readonly filter: string;
  /** Projects at a time; nx's default when absent. */
  readonly parallel?: number;
  /** The environment of the tests, without the record file's variable. */
  readonly env: NodeJS.ProcessEnv;
  /** The variable that tells the tests where to append their records. */
  readonly recordEnv: string;
  /** Parses what the tests appended to the record file. */
  readonly parse: (text: string) => T[];
}

/** Runs the tests with output streamed; their exit status and the records they left. */
export function runTestFiles<T>(o: TestFileRun<T>): { status: number | null; records: T[] } {
  const dir = mkdtempSync(path.join(tmpdir(), `${o.filter.replace(/\W/g, '-')}-records-`));
  const file = path.join(dir, 'records.jsonl');
  try {
    const run = spawnSync(
      'npx',
      [
        'nx',
        'run-many',
        '-t',
        'test',
        '--outputStyle=stream',
        '--skip-nx-cache',
        ...(o.parallel === undefined ? [] : [`--parallel=${o.parallel}`]),
        '--exclude=@ambient-ts/local-cluster,@ambient-ts/e2e',
        '--',
        o.filter,
        '--passWithNoTests',
      ],
      { stdio: 'inherit', env: { ...o.env, [o.recordEnv]: file } },
    );
    return {
      status: run.status,
      records: existsSync(file) ? o.parse(readFileSync(file, 'utf8')) : [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
