// A private sandbox for container engines: podman, buildah, skopeo and kind run
// in their own network, mount, pid, uts and ipc namespaces with a private
// container store, and nothing they make — netns, links, routes, iptables rules,
// mounts, processes — exists on the host or outlives the sandbox.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { readSandboxEnv, type ContainerSandboxEnv } from './config.js';
import { containersConf, registriesConf, storageConf } from './engine-config.js';
import { SandboxStartError, SandboxUnsupportedError } from './errors.js';
import {
  CGROUP_CLEANUP_SCRIPT,
  ENGINE_CGROUP_NAMES,
  READY_LINE,
  SANDBOX_INIT_NAME,
  SANDBOX_INIT_SCRIPT,
  WAITING_LINE,
} from './init-script.js';
import { runChild, type RunOptions, type RunResult } from './run.js';
import { listenHostSide, RELAY_SCRIPT, type TcpForward } from './tcp-forward.js';

export type Progress = (message: string) => void;

export interface SandboxOptions {
  /**
   * Which private container store: `<cache>/containers/<store>` (images, layers,
   * containers, volumes; kept between runs as the image cache). One live sandbox
   * per store: a second one waits for the first to end.
   */
  readonly store?: string;
  /** The sandbox's hostname (own uts namespace). */
  readonly hostname?: string;
  readonly progress?: Progress;
}

/** What another process needs to run commands in a live sandbox (JSON-serialisable). */
export interface SandboxHandle {
  /** Host pid of the sandbox's pid 1. */
  readonly pid: number;
  readonly store: string;
}

export const DEFAULT_STORE = 'default';

/** The sandbox's container stores live here; per store: storage/, tmp/, etc/. */
export function containersRoot(env: ContainerSandboxEnv = readSandboxEnv()): string {
  return path.join(env.cacheRoot, 'containers');
}

export class ContainerSandbox {
  private readonly relays: TcpForward[] = [];
  private closed = false;

  private constructor(
    readonly handle: SandboxHandle,
    /** The environment every command in the sandbox gets (engine config paths, provider). */
    readonly env: Readonly<Record<string, string>>,
    private readonly owner: ChildProcess | undefined,
    private readonly sandboxEnv: ContainerSandboxEnv,
  ) {}

  /** Creates the namespaces and mounts; resolves once the sandbox is ready for commands. */
  static async start(opts: SandboxOptions = {}): Promise<ContainerSandbox> {
    const sandboxEnv = readSandboxEnv();
    assertSupported();
    const store = opts.store ?? DEFAULT_STORE;
    const progress = opts.progress ?? (() => undefined);
    const paths = await prepareStore(sandboxEnv, store);
    const child = spawn(
      'unshare',
      [
        '--mount',
        '--net',
        '--pid',
        '--uts',
        '--ipc',
        '--fork',
        '--mount-proc',
        '--propagation',
        'private',
        '--kill-child',
        'sh',
        '-c',
        SANDBOX_INIT_SCRIPT,
        SANDBOX_INIT_NAME,
        paths.cgroupLock,
        paths.storeLock,
        opts.hostname ?? `sandbox-${store}`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    await waitReady(child, store, progress);
    const initPid = readChildPid(child.pid ?? -1);
    // A process that forgets close() must not stay alive for the sandbox, and its
    // exit closes our end of the pipe, which ends the sandbox.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr])
      (s as unknown as { unref?: () => void } | null)?.unref?.();
    return new ContainerSandbox(
      { pid: initPid, store },
      engineEnv(sandboxEnv, paths.etc),
      child,
      sandboxEnv,
    );
  }

  /** A sandbox another process started (run and forwardTcp only; its owner closes it). */
  static attach(handle: SandboxHandle): ContainerSandbox {
    if (!isOurInit(handle.pid)) {
      throw new SandboxStartError(
        `no container sandbox with pid ${handle.pid} (its owner ended?); /proc/${handle.pid}/cmdline does not name ${SANDBOX_INIT_NAME}`,
      );
    }
    const sandboxEnv = readSandboxEnv();
    const etc = path.join(containersRoot(sandboxEnv), handle.store, 'etc');
    return new ContainerSandbox(handle, engineEnv(sandboxEnv, etc), undefined, sandboxEnv);
  }

  /** Runs argv inside the sandbox (nsenter into all its namespaces). */
  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    if (this.closed) throw new SandboxStartError('container sandbox already closed');
    const cwd = opts.cwd ?? process.cwd();
    return runChild(
      [...nsenterPrefix(this.handle.pid), `--wd=${cwd}`, '--', ...argv],
      argv,
      { ...process.env, ...this.env, ...opts.env },
      opts,
    );
  }

  /** The argv that runs a command inside this sandbox from any host process. */
  wrap(argv: readonly string[]): string[] {
    return [...nsenterPrefix(this.handle.pid), '--', ...argv];
  }

  /** A host loopback port that reaches host:port inside the sandbox's network namespace. */
  async forwardTcp(port: number, host = '127.0.0.1'): Promise<TcpForward> {
    const dir = path.join(this.sandboxEnv.tmpDir, `ambient-ts-sandbox-${this.handle.pid}`);
    await mkdir(dir, { recursive: true });
    const sock = path.join(dir, `tcp-${port}-${randomBytes(4).toString('hex')}.sock`);
    const relay = spawn(
      'nsenter',
      [
        ...nsenterPrefix(this.handle.pid).slice(1),
        '--',
        process.execPath,
        '-e',
        RELAY_SCRIPT,
        sock,
        host,
        String(port),
      ],
      { stdio: 'ignore', detached: false },
    );
    relay.unref();
    const forward = await listenHostSide(sock);
    const handle: TcpForward = {
      port: forward.port,
      close: async () => {
        await forward.close();
        relay.kill('SIGTERM');
        await rm(sock, { force: true });
      },
    };
    this.relays.push(handle);
    return handle;
  }

  /**
   * Ends the sandbox from any process, attached or owner: SIGTERM to its pid 1
   * (which exits; the kernel kills the rest), waits until it is gone, then
   * removes the engines' cgroup dirs as close() does.
   */
  async terminate(timeoutMs = 15_000): Promise<void> {
    if (this.owner) {
      await this.close();
      return;
    }
    this.closed = true;
    for (const r of this.relays.splice(0)) await r.close().catch(() => undefined);
    try {
      process.kill(this.handle.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const deadline = Date.now() + timeoutMs;
    while (isOurInit(this.handle.pid)) {
      if (Date.now() > deadline) {
        throw new SandboxStartError(
          `container sandbox pid ${this.handle.pid} did not end within ${timeoutMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await removeEngineCgroups(this.sandboxEnv);
  }

  /**
   * Ends the sandbox: every process in it is killed with its namespaces, then
   * the cgroup dirs the engines left in the host hierarchy are removed (when no
   * other sandbox is alive). Containers stay in the store, stopped.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.relays.splice(0)) await r.close().catch(() => undefined);
    if (!this.owner) return;
    const exited = new Promise<void>((resolve) => {
      if (this.owner?.exitCode !== null || this.owner.signalCode !== null) resolve();
      else
        this.owner.once('exit', () => {
          resolve();
        });
    });
    this.owner.stdin?.end();
    const timer = setTimeout(() => this.owner?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    await rm(path.join(this.sandboxEnv.tmpDir, `ambient-ts-sandbox-${this.handle.pid}`), {
      recursive: true,
      force: true,
    });
    await removeEngineCgroups(this.sandboxEnv);
  }
}

/** Host pids of every live container sandbox's init (any owner). */
export async function liveSandboxPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid > 0 && isOurInit(pid)) pids.push(pid);
  }
  return pids;
}

/** Engine cgroup dirs in the host hierarchy not there before the first sandbox (empty after a clean end). */
export async function leftoverEngineCgroups(
  env: ContainerSandboxEnv = readSandboxEnv(),
): Promise<string[]> {
  const keep = new Set(
    (await readFile(keepFile(env), 'utf8').catch(() => '')).split('\n').filter(Boolean),
  );
  const found: string[] = [];
  for (const h of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    for (const name of ENGINE_CGROUP_NAMES) {
      const dir = path.join('/sys/fs/cgroup', h, name);
      if (existsSync(dir) && !keep.has(dir)) found.push(dir);
    }
  }
  return found;
}

/** Runs one command in a fresh sandbox and ends the sandbox (e.g. `podman build`). */
export async function sandboxed(
  argv: readonly string[],
  opts: SandboxOptions & RunOptions = {},
): Promise<RunResult> {
  const sandbox = await ContainerSandbox.start(opts);
  try {
    return await sandbox.run(argv, opts);
  } finally {
    await sandbox.close();
  }
}

/** True while `pid` is a container sandbox's init (not a reused pid). */
function isOurInit(pid: number): boolean {
  try {
    // argv: sh -c <script> <name> …; a zombie has an empty cmdline: gone for our purposes.
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv[0] === 'sh' && argv[3] === SANDBOX_INIT_NAME;
  } catch {
    return false;
  }
}

function nsenterPrefix(pid: number): string[] {
  return ['nsenter', `--target=${pid}`, '--mount', '--net', '--pid', '--uts', '--ipc'];
}

function engineEnv(env: ContainerSandboxEnv, etc: string): Record<string, string> {
  return {
    PATH: env.path,
    CONTAINERS_CONF: path.join(etc, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: path.join(etc, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: path.join(etc, 'registries.conf'),
    KIND_EXPERIMENTAL_PROVIDER: 'podman',
  };
}

function assertSupported(): void {
  if (process.platform !== 'linux')
    throw new SandboxUnsupportedError(
      `the container sandbox needs Linux (this is ${process.platform})`,
    );
  if (process.getuid?.() !== 0)
    throw new SandboxUnsupportedError(
      'the container sandbox needs root (unshare, mounts, cgroups)',
    );
}

interface StorePaths {
  readonly etc: string;
  readonly storeLock: string;
  readonly cgroupLock: string;
}

async function prepareStore(env: ContainerSandboxEnv, store: string): Promise<StorePaths> {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(store))
    throw new SandboxStartError(`store name '${store}' must be [a-z0-9._-]`);
  const root = containersRoot(env);
  const dir = path.join(root, store);
  const etc = path.join(dir, 'etc');
  const layout = { graphRoot: path.join(dir, 'storage'), copyTmpDir: path.join(dir, 'tmp') };
  for (const d of [etc, layout.graphRoot, layout.copyTmpDir]) await mkdir(d, { recursive: true });
  await writeFile(path.join(etc, 'containers.conf'), containersConf(layout));
  await writeFile(path.join(etc, 'storage.conf'), storageConf(layout));
  await writeFile(path.join(etc, 'registries.conf'), registriesConf());
  await recordHostCgroups(env);
  return {
    etc,
    storeLock: path.join(dir, 'lock'),
    cgroupLock: path.join(root, 'cgroups.lock'),
  };
}

/** The engine cgroup dirs that existed before any sandbox ran here: never removed. */
function keepFile(env: ContainerSandboxEnv): string {
  return path.join(containersRoot(env), 'cgroups-before-first-sandbox.txt');
}

async function recordHostCgroups(env: ContainerSandboxEnv): Promise<void> {
  const file = keepFile(env);
  if (existsSync(file)) return;
  const found: string[] = [];
  for (const h of await readdir('/sys/fs/cgroup').catch(() => [] as string[])) {
    for (const name of ENGINE_CGROUP_NAMES) {
      const dir = path.join('/sys/fs/cgroup', h, name);
      if (existsSync(dir)) found.push(dir);
    }
  }
  await writeFile(file, found.map((d) => d + '\n').join(''));
}

async function removeEngineCgroups(env: ContainerSandboxEnv): Promise<void> {
  // Killed processes leave their cgroups a moment later: a few passes.
  for (const delay of [0, 300, 1000, 3000]) {
    await new Promise((r) => setTimeout(r, delay));
    const r = await runChild(
      [
        'sh',
        '-c',
        CGROUP_CLEANUP_SCRIPT,
        'cgroup-cleanup',
        path.join(containersRoot(env), 'cgroups.lock'),
        keepFile(env),
      ],
      ['cgroup-cleanup'],
      process.env,
      { reject: false },
    );
    if (r.exitCode === 0) return;
  }
}

function waitReady(child: ChildProcess, store: string, progress: Progress): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let ready = false;
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes(`${WAITING_LINE}\n`) && !out.includes(READY_LINE)) {
        progress(`container store '${store}' is in use by another sandbox: waiting for it`);
        out = out.replace(`${WAITING_LINE}\n`, '');
      }
      if (!ready && out.includes(`${READY_LINE}\n`)) {
        ready = true;
        resolve();
      }
    });
    child.on('error', (e) => {
      reject(new SandboxStartError(`cannot run unshare (util-linux): ${e.message}`, { cause: e }));
    });
    child.on('exit', (code, signal) => {
      if (!ready)
        reject(
          new SandboxStartError(
            `the container sandbox ended while starting (exit ${code ?? signal}); check unshare, mount (tmpfs, overlay), flock: ${err.trim()}`,
          ),
        );
    });
  });
}

function readChildPid(unsharePid: number): number {
  const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim();
  const pid = Number(children.split(/\s+/)[0]);
  if (!Number.isInteger(pid) || pid <= 0)
    throw new SandboxStartError(`unshare (pid ${unsharePid}) has no child: the sandbox init died`);
  return pid;
}
