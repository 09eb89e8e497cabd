// Finding clusters by their state dirs, telling live ones from stale ones (a
// crashed run), and removing stale ones: processes first, then the dir.
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidAlive } from './build/dir-lock.js';
import { CLUSTER_MARKER_FILE, clusterLayout, type ClusterLayout } from './control-plane/layout.js';
import type { Progress } from './progress.js';

export const CREATOR_PID_FILE = 'creator.pid';

async function readPid(file: string): Promise<number | undefined> {
  const n = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** A pid that is alive and whose command line mentions `needle` (guards against pid reuse). */
async function ourProcess(pid: number | undefined, needle: string): Promise<number | undefined> {
  if (!pid || !pidAlive(pid)) return undefined;
  const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))
    .split('\0')
    .join(' ');
  return cmdline.includes(needle) ? pid : undefined;
}

export interface ClusterProcesses {
  readonly daemon: number | undefined;
  readonly sandbox: number | undefined;
  readonly creator: number | undefined;
}

export async function clusterProcesses(layout: ClusterLayout): Promise<ClusterProcesses> {
  return {
    daemon: await ourProcess(await readPid(layout.daemonPid), layout.stateDir),
    sandbox: await ourProcess(await readPid(layout.sandboxPid), layout.stateDir),
    creator: await ourProcess(await readPid(path.join(layout.stateDir, CREATOR_PID_FILE)), ''),
  };
}

export async function isClusterDir(dir: string): Promise<boolean> {
  return stat(path.join(dir, CLUSTER_MARKER_FILE)).then(
    () => true,
    () => false,
  );
}

/**
 * Stops whatever is left of a cluster and deletes its state dir. SIGTERM to
 * the daemon lets the supervisor stop pods and components in order; SIGKILL
 * of the sandbox's pid 1 is the backstop (the kernel then kills the rest of
 * its pid namespace and frees its network and mount namespaces).
 */
export async function removeCluster(layout: ClusterLayout, graceMs = 60_000): Promise<void> {
  if (!(await isClusterDir(layout.stateDir))) return;
  let procs = await clusterProcesses(layout);
  if (procs.daemon) {
    process.kill(procs.daemon, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && (await clusterProcesses(layout)).daemon) await sleep(200);
  }
  procs = await clusterProcesses(layout);
  for (const pid of [procs.sandbox, procs.daemon]) {
    if (pid) process.kill(pid, 'SIGKILL');
  }
  for (let i = 0; i < 50 && procs.sandbox && pidAlive(procs.sandbox); i++) await sleep(100);
  await rm(layout.stateDir, { recursive: true, force: true });
}

/** Removes clusters whose daemon and creator are both gone (a crashed or killed run). */
export async function cleanStaleClusters(
  clustersRoot: string,
  progress: Progress,
): Promise<string[]> {
  const names = await readdir(clustersRoot).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const layout = clusterLayout(path.join(clustersRoot, name));
    if (!(await isClusterDir(layout.stateDir))) continue;
    const procs = await clusterProcesses(layout);
    if (procs.daemon || procs.creator) continue;
    progress(
      `removing stale cluster ${name} (its daemon is gone; a previous run crashed or was killed)`,
    );
    await removeCluster(layout, 0);
    removed.push(name);
  }
  return removed;
}
