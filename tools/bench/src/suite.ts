// What a benchmark suite is: a named thing that runs and reports. Suites live
// in src/suites/ (one file or folder each) and are listed in suites/index.ts.

import type { SuiteReport } from './report.js';

export interface SuiteContext {
  /** Progress lines for the operator; not part of the report. */
  log(line: string): void;
}

export interface Suite {
  /** Short id used on the command line: `npm run bench -- hbone`. */
  readonly id: string;
  readonly description: string;
  run(ctx: SuiteContext): Promise<SuiteReport[]>;
}
