// Spawning a child and collecting its output, with the one error type callers catch.
import { spawn, type StdioOptions } from 'node:child_process';
import { SandboxCommandError } from './errors.js';

export interface RunOptions {
  /** Extra environment on top of the sandbox's (engine config paths, PATH). */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory (a host path; the sandbox shares the host's file system). */
  readonly cwd?: string;
  /** Written to the command's stdin, which is then closed. */
  readonly input?: string | Buffer;
  /** Each complete line of stdout and stderr as it comes (progress for long steps). */
  readonly onLine?: (line: string) => void;
  /** Throw SandboxCommandError on a non-zero exit (default true). */
  readonly reject?: boolean;
  /** Kill the command when this fires. */
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs `spawnArgv` (the wrapped command) and reports it as `shownArgv`. */
export function runChild(
  spawnArgv: readonly string[],
  shownArgv: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: RunOptions,
): Promise<RunResult> {
  const [file, ...args] = spawnArgv;
  if (!file) throw new TypeError('empty argv');
  const stdio: StdioOptions = [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd: opts.cwd, stdio, signal: opts.signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const lines = lineSplitter(opts.onLine);
    child.stdout?.on('data', (d: Buffer) => {
      out.push(d);
      lines.push(d);
    });
    child.stderr?.on('data', (d: Buffer) => {
      err.push(d);
      lines.push(d);
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      lines.flush();
      const result = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? (sig ? 128 : -1),
      };
      if (result.exitCode !== 0 && opts.reject !== false) {
        reject(new SandboxCommandError(shownArgv, result.exitCode, result.stdout, result.stderr));
      } else resolve(result);
    });
  });
}

function lineSplitter(onLine: ((line: string) => void) | undefined): {
  push(d: Buffer): void;
  flush(): void;
} {
  let rest = '';
  return {
    push(d) {
      if (!onLine) return;
      const parts = (rest + d.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) onLine(p);
    },
    flush() {
      if (onLine && rest.trim()) onLine(rest);
      rest = '';
    },
  };
}
