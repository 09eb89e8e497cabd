// Starts container processes and writes their output as CRI log lines. Each container is its
// own process group (detached), so stopping it reaches the children it spawned too.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { formatEntry, rfc3339Nano, splitOutput, type LogStream } from './cri-log.js';

export interface ExitStatus {
  readonly exitCode: number;
  readonly signal?: number;
  readonly finishedAt: Date;
}

export interface ContainerProcess {
  readonly pid: number;
  readonly startTime: string;
  readonly startedAt: Date;
  /** False when the namespace/mount setup failed before the program ran (a StartError). */
  readonly setupOk: boolean;
  readonly exited: Promise<ExitStatus>;
  /** Signals the container's process group. */
  signal(sig: NodeJS.Signals): void;
}

export interface LaunchSpec {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly logPath: string;
}

export interface ProcessLauncher {
  start(spec: LaunchSpec): Promise<ContainerProcess>;
}

/** Field 22 of /proc/<pid>/stat: identifies this process instance across pid reuse. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const afterComm = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return afterComm[19];
  } catch {
    return undefined;
  }
}

function pipeToLog(stream: Readable, name: LogStream, write: (s: string) => void): Promise<void> {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const { lines, rest: r } = splitOutput(rest, chunk);
    rest = r;
    const t = rfc3339Nano(Date.now());
    for (const l of lines) write(formatEntry(t, name, l.partial, l.text));
  });
  return new Promise((resolve) => {
    stream.on('close', () => {
      if (rest !== '') write(formatEntry(rfc3339Nano(Date.now()), name, false, rest));
      resolve();
    });
  });
}

export const processLauncher: ProcessLauncher = {
  async start(spec) {
    const [file, ...args] = spec.argv;
    if (file === undefined) throw new TypeError('empty argv');
    const log = createWriteStream(spec.logPath, { flags: 'a' });
    await new Promise<void>((resolve, reject) => {
      log.once('open', () => {
        resolve();
      });
      log.once('error', reject);
    });
    // fd 3 is a pipe the mount script closes right before exec'ing the program: start()
    // resolves only once the container's mounts are in place (or the process died trying).
    const child = spawn(file, args, {
      env: { ...spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    }).catch((err: unknown) => {
      log.end();
      throw err;
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`spawn of ${file} returned no pid`);
    // The mount script writes "ok" to fd 3 and closes it right before exec: no "ok" by the time
    // fd 3 closes means the setup itself failed (its error is in the container's log).
    const setup = child.stdio[3] as Readable | null;
    const setupDone = new Promise<boolean>((resolve) => {
      if (!setup) {
        resolve(true);
        return;
      }
      let said = '';
      setup.setEncoding('utf8');
      setup.on('data', (d: string) => {
        said += d;
      });
      setup.once('close', () => {
        resolve(said.includes('ok'));
      });
    });
    const write = (s: string): void => {
      log.write(s);
    };
    const { stdout, stderr } = child;
    if (!stdout || !stderr) throw new Error('spawn gave no stdout/stderr pipes');
    const outputs = Promise.all([
      pipeToLog(stdout, 'stdout', write),
      pipeToLog(stderr, 'stderr', write),
    ]);
    const exited = new Promise<ExitStatus>((resolve) => {
      child.once('exit', (code, sig) => {
        const finishedAt = new Date();
        const signum = sig ? constants.signals[sig] : undefined;
        // Give the pipes a moment to drain; children of the container may hold them open.
        const done = (): void => {
          log.end();
          resolve({
            exitCode: code ?? 128 + (signum ?? 0),
            ...(signum !== undefined ? { signal: signum } : {}),
            finishedAt,
          });
        };
        const timer = setTimeout(done, 500);
        void outputs.then(() => {
          clearTimeout(timer);
          done();
        });
      });
    });
    const startTime = (await processStartTime(pid)) ?? '';
    const setupOk = await setupDone;
    return {
      pid,
      startTime,
      setupOk,
      startedAt: new Date(),
      exited,
      signal(sig) {
        try {
          process.kill(-pid, sig);
        } catch {
          try {
            process.kill(pid, sig);
          } catch {
            // already gone
          }
        }
      },
    };
  },
};
