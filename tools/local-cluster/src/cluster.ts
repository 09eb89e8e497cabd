// The host-side API: create a cluster (build or reuse binaries, clean stale
// runs, write credentials, start the detached daemon and follow its progress
// until the cluster is ready), find a running one, destroy one.
import { spawn } from 'node:child_process';
import { cp, lstat, mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureKubeBinaries, type KubeBinaries } from './build/build-binaries.js';
import {
  cleanStaleClusters,
  clusterProcesses,
  CREATOR_PID_FILE,
  removeCluster,
} from './cluster-dirs.js';
import { readEnv, type LocalClusterEnv } from './config.js';
import { writeClusterCredentials } from './control-plane/credentials.js';
import {
  CLUSTER_NAME_PATTERN,
  clusterLayout,
  nodeLayout,
  type ClusterLayout,
} from './control-plane/layout.js';
import { LocalClusterError } from './errors.js';
import { execInPod, type ExecOptions, type ExecResult } from './exec.js';
import { assertHostSupported } from './host-check.js';
import { planNodes, type NodePlan } from './network/plan.js';
import { consoleProgress, formatDuration, type Progress } from './progress.js';
import {
  ADDONS_DIR,
  entryFile,
  IMAGE_TABLE,
  kubeletCommand,
  nodeCommand,
  REPO_ROOT,
} from './repo-paths.js';
import { decodeEvents, parseStatus } from './sandbox/events.js';
import { readSpec, type ClusterSpec } from './sandbox/spec.js';

export const DEFAULT_CLUSTER_NAME = 'ambient-ts';
export const DEFAULT_NODE_COUNT = 2;

export class ClusterExistsError extends LocalClusterError {
  override readonly name = 'ClusterExistsError';
}

export class ClusterStartError extends LocalClusterError {
  override readonly name = 'ClusterStartError';
}

export interface CreateClusterOptions {
  readonly name?: string;
  /** Number of nodes; 0 runs the control plane only. */
  readonly nodes?: number;
  readonly progress?: Progress;
  /** Tear down a running cluster of the same name instead of failing. */
  readonly replace?: boolean;
  /** The cluster stops itself when this process dies (tests pass their own pid). */
  readonly ownerPid?: number;
  readonly timeoutMs?: number;
  readonly env?: LocalClusterEnv;
  /** Default true. False: nodes get netns, credentials and CNI config but no kubelet (control-plane tests). */
  readonly startKubelets?: boolean;
}

export interface ClusterTimings {
  readonly binaries: KubeBinaries;
  /** From the daemon's start to the cluster being ready. */
  readonly startMs: number;
  /** Whole createCluster call. */
  readonly totalMs: number;
}

export class LocalCluster {
  readonly layout: ClusterLayout;

  constructor(
    readonly spec: ClusterSpec,
    readonly timings?: ClusterTimings,
  ) {
    this.layout = clusterLayout(spec.stateDir);
  }

  get name(): string {
    return this.spec.name;
  }

  get stateDir(): string {
    return this.spec.stateDir;
  }

  get kubeconfigPath(): string {
    return this.layout.kubeconfig;
  }

  get nodes(): readonly NodePlan[] {
    return this.spec.nodes;
  }

  get logsDir(): string {
    return this.layout.logs;
  }

  /** A client-node KubeConfig for the host (through the loopback forwarder). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  /** Runs argv inside a pod's container (its network and mount namespaces). */
  async exec(
    namespace: string,
    pod: string,
    argv: readonly string[],
    options: ExecOptions = {},
  ): Promise<ExecResult> {
    const sandboxPid = (await clusterProcesses(this.layout)).sandbox;
    if (!sandboxPid)
      throw new LocalClusterError(`cluster ${this.name} is not running (no sandbox process)`);
    return execInPod(this.layout, this.spec.nodes, sandboxPid, namespace, pod, argv, options);
  }

  /** Copies component and kubelet logs, and each node's pod state and container logs, into `dir`. */
  async exportLogs(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await cp(this.layout.logs, path.join(dir, 'logs'), { recursive: true }).catch(() => undefined);
    for (const node of this.spec.nodes) {
      const pods = path.join(nodeLayout(this.layout, node.name).kubeletStateDir, 'pods');
      await cp(pods, path.join(dir, 'nodes', node.name, 'pods'), {
        recursive: true,
        // Only regular files and dirs: sockets and fifos cannot be copied.
        filter: async (src) => {
          const st = await lstat(src).catch(() => undefined);
          return st !== undefined && (st.isFile() || st.isDirectory());
        },
      }).catch(() => undefined);
    }
  }

  async running(): Promise<boolean> {
    return (await clusterProcesses(this.layout)).daemon !== undefined;
  }

  async destroy(progress: Progress = consoleProgress()): Promise<void> {
    const started = Date.now();
    progress(`destroying cluster ${this.name}`);
    await removeCluster(this.layout);
    progress(`cluster ${this.name} destroyed in ${formatDuration(Date.now() - started)}`);
  }
}

export function clusterStateDir(name: string, env: LocalClusterEnv = readEnv()): string {
  return path.join(env.clustersRoot, name);
}

/** The running cluster of that name, if any. */
export async function openCluster(
  name = DEFAULT_CLUSTER_NAME,
  env: LocalClusterEnv = readEnv(),
): Promise<LocalCluster | undefined> {
  const layout = clusterLayout(clusterStateDir(name, env));
  if (!(await clusterProcesses(layout)).daemon) return undefined;
  return new LocalCluster(await readSpec(layout.spec));
}

export async function destroyCluster(
  name = DEFAULT_CLUSTER_NAME,
  progress: Progress = consoleProgress(),
  env: LocalClusterEnv = readEnv(),
): Promise<boolean> {
  const layout = clusterLayout(clusterStateDir(name, env));
  const existed = await readFile(layout.spec, 'utf8').then(
    () => true,
    () => false,
  );
  const started = Date.now();
  await removeCluster(layout);
  if (existed) progress(`cluster ${name} destroyed in ${formatDuration(Date.now() - started)}`);
  return existed;
}

export async function createCluster(options: CreateClusterOptions = {}): Promise<LocalCluster> {
  const started = Date.now();
  const env = options.env ?? readEnv();
  const name = options.name ?? DEFAULT_CLUSTER_NAME;
  const progress = options.progress ?? consoleProgress(`cluster ${name}`, started);
  if (!CLUSTER_NAME_PATTERN.test(name)) {
    throw new LocalClusterError(
      `cluster name "${name}" must be a DNS label of at most 32 characters`,
    );
  }
  await assertHostSupported();
  const count = options.nodes ?? DEFAULT_NODE_COUNT;
  const nodes = count === 0 ? [] : planNodes(count);
  const startKubelets = options.startKubelets ?? true;
  const kubelet = kubeletCommand();
  if (nodes.length > 0 && startKubelets && !kubelet) {
    throw new LocalClusterError(
      'tools/netns-kubelet has neither src/main.ts nor dist/main.js; the nodes cannot start',
    );
  }

  const binaries = await ensureKubeBinaries({ progress, env });

  await mkdir(env.clustersRoot, { recursive: true });
  await cleanStaleClusters(env.clustersRoot, progress);
  const stateDir = clusterStateDir(name, env);
  const layout = clusterLayout(stateDir);
  if ((await clusterProcesses(layout)).daemon) {
    if (!options.replace) {
      throw new ClusterExistsError(
        `cluster ${name} is already running (state dir ${stateDir}); destroy it first or pass replace`,
      );
    }
    progress(`replacing the running cluster ${name}`);
    await removeCluster(layout);
  }
  await rm(stateDir, { recursive: true, force: true });
  await mkdir(layout.logs, { recursive: true });
  await writeFile(layout.marker, 'ambient-ts local cluster state dir; removed by cluster:down\n');
  await writeFile(path.join(stateDir, CREATOR_PID_FILE), String(process.pid));

  progress(`writing PKI and kubeconfigs to ${stateDir}`);
  await writeClusterCredentials(layout, name, nodes);
  const spec: ClusterSpec = {
    name,
    stateDir,
    nodes,
    binDir: binaries.dir,
    repoRoot: REPO_ROOT,
    addonsDir: ADDONS_DIR,
    imageTable: IMAGE_TABLE,
    nodeCommand: nodeCommand(),
    kubeletCommand: kubelet,
    startKubelets,
    ownerPid: options.ownerPid,
    createdAt: new Date().toISOString(),
  };
  await writeFile(layout.spec, JSON.stringify(spec, null, 2) + '\n');

  const daemonStarted = Date.now();
  const log = await open(layout.daemonLog, 'a');
  const daemon = spawn(
    process.execPath,
    [...nodeCommand().slice(1), entryFile('sandbox/daemon-main'), stateDir],
    {
      cwd: REPO_ROOT,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    },
  );
  daemon.unref();
  await log.close();
  progress(`sandbox daemon started (pid ${daemon.pid}); following its progress`);

  try {
    await followProgress(layout, progress, options.timeoutMs ?? 10 * 60_000);
  } catch (err) {
    const tails = await logTails(layout);
    await removeCluster(layout).catch(() => undefined);
    throw new ClusterStartError(
      `${err instanceof Error ? err.message : String(err)}\n--- last log lines (the state dir was removed) ---\n${tails}`,
    );
  } finally {
    await rm(path.join(stateDir, CREATOR_PID_FILE), { force: true });
  }
  const startMs = Date.now() - daemonStarted;
  const cluster = new LocalCluster(spec, { binaries, startMs, totalMs: Date.now() - started });
  progress(
    `cluster ${name} ready: ${nodes.length} node(s), started in ${formatDuration(startMs)} (total ${formatDuration(Date.now() - started)}); kubeconfig: ${layout.kubeconfig}`,
  );
  return cluster;
}

/** Prints the supervisor's progress events until status.json says ready or failed. */
async function followProgress(
  layout: ClusterLayout,
  progress: Progress,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let offset = 0;
  let rest = '';
  let sawDaemon = false;
  const drain = async () => {
    const fh = await open(layout.progress, 'r').catch(() => undefined);
    if (!fh) return;
    try {
      const { size } = await fh.stat();
      if (size <= offset) return;
      const buf = Buffer.alloc(size - offset);
      await fh.read(buf, 0, buf.length, offset);
      offset = size;
      const decoded = decodeEvents(rest + buf.toString('utf8'));
      rest = decoded.rest;
      for (const e of decoded.events) progress(`[sandbox +${formatDuration(e.t)}] ${e.message}`);
    } finally {
      await fh.close();
    }
  };
  for (;;) {
    await drain();
    const status = parseStatus(await readFile(layout.status, 'utf8').catch(() => ''));
    if (status?.phase === 'ready') return;
    if (status?.phase === 'failed' || status?.phase === 'stopped') {
      throw new ClusterStartError(`cluster failed to start: ${status.error ?? status.phase}`);
    }
    const procs = await clusterProcesses(layout);
    if (procs.daemon) sawDaemon = true;
    else if (sawDaemon || Date.now() > deadline - timeoutMs + 10_000) {
      await drain();
      throw new ClusterStartError(
        `the cluster daemon exited before the cluster was ready; see ${layout.daemonLog}`,
      );
    }
    if (Date.now() > deadline) {
      throw new ClusterStartError(
        `cluster not ready after ${formatDuration(timeoutMs)}; logs in ${layout.logs}`,
      );
    }
    await sleep(250);
  }
}

async function logTails(layout: ClusterLayout, lines = 25): Promise<string> {
  const files = (await readdir(layout.logs).catch(() => [] as string[])).sort();
  const parts: string[] = [];
  for (const f of files) {
    const text = await readFile(path.join(layout.logs, f), 'utf8').catch(() => '');
    const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
    if (tail) parts.push(`==> ${f} <==\n${tail}`);
  }
  return parts.join('\n');
}
