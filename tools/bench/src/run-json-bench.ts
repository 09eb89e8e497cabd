// Runs a benchmark that lives next to the component it measures (it reuses
// that component's harness) as a child process with `--json`, forwarding its
// progress lines and parsing the JSON it prints on stdout.

import { spawn } from 'node:child_process';
import path from 'node:path';
import type { SuiteContext } from './suite.js';

const REPO = path.resolve(import.meta.dirname, '../../..');

/** `projectDir` is relative to the repository root, e.g. `apps/istiod`. */
export function runJsonBench<T>(ctx: SuiteContext, projectDir: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@ambient-ts/source', '--import', 'tsx', 'bench/main.ts', '--json'],
      { cwd: path.join(REPO, projectDir), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      for (const line of d.split('\n').filter(Boolean)) ctx.log(line.trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`${projectDir} bench exited with ${code}`));
        return;
      }
      try {
        resolve(JSON.parse(out) as T);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}
