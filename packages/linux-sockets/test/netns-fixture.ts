// Test lab of network namespaces, veth links and iptables rules, all named
// with a per-process prefix (`lsk<pid in base 36>`) so parallel test files and
// other engineers' runs never collide, and so namespaces left by a crashed run
// can be recognised (their pid is gone) and swept on the next start.
// Traffic stays inside namespaces the lab created.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const PREFIX_FAMILY = /^lsk([0-9a-z]+)-/;

function commandExists(command: string): boolean {
  try {
    execFileSync(command, ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the namespace tests cannot run here, or undefined when they can. */
export const netnsUnavailableReason: string | undefined =
  process.platform !== 'linux'
    ? `not Linux (${process.platform})`
    : process.getuid?.() !== 0
      ? 'not root: creating network namespaces needs CAP_SYS_ADMIN'
      : !commandExists('ip')
        ? 'iproute2 (ip) is not installed'
        : !commandExists('iptables')
          ? 'iptables is not installed'
          : undefined;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listNamespaces(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

/** Deletes namespaces of this prefix family whose creating process is gone. */
export function sweepStaleNamespaces(): string[] {
  const swept: string[] = [];
  for (const name of listNamespaces()) {
    const match = PREFIX_FAMILY.exec(name);
    if (match?.[1] === undefined) continue;
    const pid = parseInt(match[1], 36);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      swept.push(name);
    } catch {
      // Someone else swept it first.
    }
  }
  return swept;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

export class NetnsLab {
  readonly prefix = `lsk${process.pid.toString(36)}`;
  readonly #namespaces: string[] = [];
  readonly #children: ChildProcess[] = [];
  static #links = 0;

  constructor() {
    sweepStaleNamespaces();
  }

  /** Creates namespace `<prefix>-<label>` with lo up. */
  addNamespace(label: string): string {
    const name = `${this.prefix}-${label}`;
    execFileSync('ip', ['netns', 'add', name]);
    this.#namespaces.push(name);
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /**
   * A veth pair between two namespaces with IPv4 (and optionally IPv6)
   * addresses; both ends are created directly inside their namespaces, so
   * nothing is ever left in the host namespace.
   */
  link(
    a: { ns: string; cidr: string; cidr6?: string },
    b: { ns: string; cidr: string; cidr6?: string },
  ): { ifA: string; ifB: string } {
    const n = NetnsLab.#links++;
    const ifA = `${this.prefix}v${n}a`;
    const ifB = `${this.prefix}v${n}b`;
    execFileSync('ip', [
      'link',
      'add',
      ifA,
      'netns',
      a.ns,
      'type',
      'veth',
      'peer',
      'name',
      ifB,
      'netns',
      b.ns,
    ]);
    for (const [end, ifName] of [
      [a, ifA],
      [b, ifB],
    ] as const) {
      execFileSync('ip', ['-n', end.ns, 'addr', 'add', end.cidr, 'dev', ifName]);
      if (end.cidr6 !== undefined) {
        execFileSync('ip', ['-n', end.ns, '-6', 'addr', 'add', end.cidr6, 'dev', ifName, 'nodad']);
      }
      execFileSync('ip', ['-n', end.ns, 'link', 'set', ifName, 'up']);
    }
    return { ifA, ifB };
  }

  /** Runs a command inside a namespace, synchronously (never while this process must serve it). */
  execSync(ns: string, command: string, args: readonly string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'utf8' });
  }

  /** Runs a command inside a namespace without blocking the event loop. */
  async exec(
    ns: string,
    command: string,
    args: readonly string[],
    timeoutMs = 10_000,
  ): Promise<ExecResult> {
    const { stdout, stderr } = await execFileAsync('ip', ['netns', 'exec', ns, command, ...args], {
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    return { stdout, stderr };
  }

  /** Starts a long-running process inside a namespace; killed by cleanup(). */
  spawn(ns: string, command: string, args: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#children.push(child);
    return child;
  }

  iptables(
    ns: string,
    args: readonly string[],
    binary: 'iptables' | 'ip6tables' = 'iptables',
  ): string {
    return this.execSync(ns, binary, ['-w', ...args]);
  }

  /** Kills children and deletes every namespace this lab made (their links and rules go with them). */
  cleanup(): void {
    for (const child of this.#children) child.kill('SIGKILL');
    for (const name of this.#namespaces.splice(0)) {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    }
  }
}
