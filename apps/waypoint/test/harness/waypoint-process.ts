// The waypoint as its own process (its main, as its Deployment runs it),
// so that its CPU time and memory can be read apart from whoever drives it.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';

const APP_DIR = path.resolve(import.meta.dirname, '../..');

export interface WaypointProcessOptions {
  readonly env: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  /** Where its stdout (JSON logs, the access log at info) goes; discarded when absent. */
  readonly logFile?: string;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  readonly nodeFlags?: readonly string[];
  /**
   * "source" runs src/main.ts through tsx; "dist" runs the build (build
   * first), which is what a deployment runs and what memory figures should
   * be taken from.
   */
  readonly entry?: 'source' | 'dist';
}

export interface WaypointProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last stderr lines (a crash's stack ends up here). */
  readonly stderrTail: string[];
  readonly exited: Promise<number | null>;
  /** SIGTERM, then wait for the drain and exit. */
  stop(): Promise<void>;
}

export function startWaypointProcess(opts: WaypointProcessOptions): WaypointProcess {
  const out = opts.logFile === undefined ? 'ignore' : openSync(opts.logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      ...(opts.nodeFlags ?? []),
      ...(opts.entry === 'dist'
        ? ['dist/main.js']
        : ['--conditions=@ambient-ts/source', '--import', 'tsx', 'src/main.ts']),
      ...opts.args,
    ],
    {
      cwd: APP_DIR,
      // Only what we pass: the waypoint must not read this process's environment.
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...opts.env },
      stdio: ['ignore', out, 'pipe'],
    },
  );
  if (typeof out === 'number') closeSync(out);
  if (child.pid === undefined) throw new Error('waypoint process did not start');
  const stderrTail: string[] = [];
  let partial = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    stderrTail.push(...lines.filter(Boolean));
    stderrTail.splice(0, Math.max(0, stderrTail.length - 50));
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  return {
    child,
    pid: child.pid,
    stderrTail,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
