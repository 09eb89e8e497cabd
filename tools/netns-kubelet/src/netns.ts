// Pod network namespaces as bind-mounted nsfs files under <state-dir>/netns, with no holder
// process. The directory is a shared mount point, so containers (whose mount namespaces are
// slaves of the node's) see netns files created after they started — the CNI agent needs that.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { asNetnsPath, type NetnsPath } from './brands.js';
import type { CommandRunner, Tools } from './commands.js';

export interface NetnsManager {
  /** Creates a fresh netns with lo up, reachable at the returned path. */
  create(name: string): Promise<NetnsPath>;
  /** Unmounts and removes; a missing file is fine (idempotent teardown). */
  remove(p: NetnsPath): Promise<void>;
  pathFor(name: string): NetnsPath;
  /** Names of netns files present (for cleanup after a restart). */
  list(): Promise<string[]>;
  /**
   * Whether the path still holds a namespace. A kubelet started in a private mount namespace
   * (`ip netns exec`) loses its netns bind mounts when it dies: the files remain, empty.
   */
  isLive(p: NetnsPath): Promise<boolean>;
}

async function isMountPoint(p: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((l) => l.split(' ')[4] === p);
}

export async function netnsManager(
  stateDir: string,
  tools: Tools,
  run: CommandRunner,
): Promise<NetnsManager> {
  const dir = path.join(stateDir, 'netns');
  await mkdir(dir, { recursive: true });
  if (!(await isMountPoint(dir))) await run([tools.mount, '--bind', dir, dir]);
  await run([tools.mount, '--make-shared', dir]);
  const pathFor = (name: string): NetnsPath => asNetnsPath(path.join(dir, name));
  return {
    pathFor,
    async create(name) {
      const p = pathFor(name);
      await writeFile(p, '');
      try {
        await run([tools.unshare, `--net=${p}`, tools.ip, 'link', 'set', 'lo', 'up']);
      } catch (err) {
        await rm(p, { force: true });
        throw err;
      }
      return p;
    },
    async remove(p) {
      // Lazy unmount: a process that still holds the netns keeps it alive, the name goes away.
      await run([tools.umount, '-l', p], { reject: false });
      await rm(p, { force: true });
    },
    isLive: (p) => isMountPoint(p),
    async list() {
      return (await readdir(dir)).sort();
    },
  };
}

/** Removes the shared bind mount of <state-dir>/netns (at shutdown of a test runtime). */
export async function releaseNetnsDir(
  stateDir: string,
  tools: Tools,
  run: CommandRunner,
): Promise<void> {
  const dir = path.join(stateDir, 'netns');
  if (await isMountPoint(dir)) await run([tools.umount, '-l', dir], { reject: false });
}
