// Running the node's tools (ip, nsenter, unshare, iptables, CNI plugins). One small wrapper so
// every failure carries argv, exit code and stderr.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { CommandError } from './errors.js';

export interface RunOptions {
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Replace the environment instead of extending the kubelet's (CNI plugins get exactly CNI_*). */
  readonly extendEnv?: boolean;
  readonly timeoutMs?: number;
  /** Resolve with the exit code instead of throwing on failure. */
  readonly reject?: boolean;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export type CommandRunner = (argv: readonly string[], opts?: RunOptions) => Promise<RunResult>;

export const runCommand: CommandRunner = async (argv, opts = {}) => {
  const [file, ...args] = argv;
  if (file === undefined) throw new TypeError('empty argv');
  const r = await execa(file, args, {
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    env: opts.env ?? {},
    extendEnv: opts.extendEnv ?? true,
    timeout: opts.timeoutMs ?? 60_000,
    reject: false,
    stripFinalNewline: false,
  });
  const exitCode = r.exitCode ?? -1;
  if (exitCode !== 0 && opts.reject !== false) throw new CommandError(argv, r.exitCode, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr, exitCode };
};

/** Absolute paths of the tools the runtime uses, resolved once at start. */
export interface Tools {
  readonly sh: string;
  readonly nsenter: string;
  readonly unshare: string;
  readonly ip: string;
  readonly mount: string;
  readonly umount: string;
  readonly iptablesRestore: string;
  readonly iptables: string;
}

const searchDirs = (envPath: string | undefined): string[] => [
  ...(envPath ?? '').split(':').filter(Boolean),
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
];

export function findTool(name: string, envPath: string | undefined): string {
  for (const dir of searchDirs(envPath)) {
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // try the next directory
    }
  }
  throw new Error(
    `${name} not found in PATH or the sbin directories: install util-linux, iproute2 and iptables`,
  );
}

export function findTools(envPath: string | undefined): Tools {
  return {
    sh: findTool('sh', envPath),
    nsenter: findTool('nsenter', envPath),
    unshare: findTool('unshare', envPath),
    ip: findTool('ip', envPath),
    mount: findTool('mount', envPath),
    umount: findTool('umount', envPath),
    iptablesRestore: findTool('iptables-restore', envPath),
    iptables: findTool('iptables', envPath),
  };
}
