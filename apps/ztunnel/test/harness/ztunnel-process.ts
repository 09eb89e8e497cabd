// Runs src/main.ts as its own process (as the DaemonSet would), configured
// through the environment, with its output captured line by line.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

const APP_DIR = path.resolve(import.meta.dirname, '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => {
        resolve(port);
      });
    });
  });
}

export interface ZtunnelProcess {
  readonly child: ChildProcess;
  /** stdout and stderr lines so far. */
  readonly lines: string[];
  readonly readinessPort: number;
  readonly statsPort: number;
  readonly exited: Promise<number | null>;
  /** GET /healthz/ready, or undefined while nothing listens yet. */
  readiness(): Promise<{ status: number; body: string } | undefined>;
}

/**
 * Starts a ztunnel process. `entry` "source" runs src/main.ts through tsx;
 * "dist" runs the build (`nx run @ambient-ts/ztunnel:build` first), which is
 * what a deployment runs and what resource figures should be taken from.
 */
export async function startZtunnelProcess(
  env: Record<string, string>,
  entry: 'source' | 'dist' = 'source',
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  nodeFlags: readonly string[] = [],
): Promise<ZtunnelProcess> {
  const [admin, stats, readiness] = [await freePort(), await freePort(), await freePort()];
  const args = [
    ...nodeFlags,
    ...(entry === 'dist'
      ? ['dist/main.js']
      : ['--conditions=@ambient-ts/source', '--import', 'tsx', 'src/main.ts']),
  ];
  const child = spawn(process.execPath, args, {
    cwd: APP_DIR,
    env: {
      // Only what we pass: the child must not inherit this process's environment.
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      ADMIN_ADDR: `127.0.0.1:${admin}`,
      STATS_ADDR: `127.0.0.1:${stats}`,
      READINESS_ADDR: `127.0.0.1:${readiness}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8').on('data', (d: string) => {
      const split = (partial + d).split('\n');
      partial = split.pop() ?? '';
      lines.push(...split.filter(Boolean));
    });
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  return {
    child,
    lines,
    readinessPort: readiness,
    statsPort: stats,
    exited,
    async readiness() {
      try {
        const res = await fetch(`http://127.0.0.1:${readiness}/healthz/ready`);
        return { status: res.status, body: await res.text() };
      } catch {
        return undefined;
      }
    },
  };
}
