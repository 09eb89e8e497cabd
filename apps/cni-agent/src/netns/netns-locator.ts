// Finding a pod's network namespace on this node. New pods: the netns path the CNI plugin
// was given (seen by the agent under the host mount prefix, /host). Running pods (informer,
// restart): a scan of the host's /proc for a process whose namespace holds the pod's IP, as
// upstream scans /host/proc. Returns an open fd (the namespace cannot vanish under us) and a
// path to it that nsenter can open.
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { NetnsFd } from '@ambient-ts/linux-sockets';
import { NetnsNotFoundError, errorMessage } from '../errors.js';
import type { Log } from '../log.js';
import { canonicalIp, localV4FromFibTrie, localV6FromIfInet6 } from './local-addresses.js';

export interface PodNetns {
  readonly fd: NetnsFd;
  /** A path to the same namespace for nsenter: /proc/<agent pid>/fd/<fd>. */
  readonly path: string;
}

export interface NetnsLocator {
  /** The namespace at a CNI netns path (CNI_NETNS as the runtime saw it). */
  byCniPath(netnsPath: string): PodNetns;
  /** The namespace holding one of the pod's IPs, by scanning the host's /proc. */
  byPodIps(pod: string, ips: readonly string[]): Promise<PodNetns>;
  /** A handle for an fd already open (owned by the caller). */
  fromFd(fd: number): PodNetns;
}

export interface NetnsOps {
  openNetns(target: { path: string }): NetnsFd;
  netnsInode(fd: NetnsFd): number;
  closeFd(fd: number): void;
}

export interface ProcNetnsLocatorOptions {
  /** The host's /proc as mounted in the agent (`/host/proc`). */
  readonly hostProc: string;
  /** Where host paths are mounted in the agent (`/host`); '' when the agent sees the host's files directly. */
  readonly hostPrefix: string;
  /** The namespace the agent itself runs in (hostNetwork: the node's), never a pod's. */
  readonly ownNetnsInode: number;
  readonly ops: NetnsOps;
  readonly log: Log;
  /** This process's pid as its own /proc sees it. */
  readonly selfPid?: number;
}

const NS_LINK = /^net:\[(\d+)\]$/;

export function procNetnsLocator(opts: ProcNetnsLocatorOptions): NetnsLocator {
  const selfPid = opts.selfPid ?? process.pid;
  const handle = (fd: NetnsFd): PodNetns => ({ fd, path: `/proc/${selfPid}/fd/${fd}` });

  return {
    fromFd: (fd) => handle(fd as NetnsFd),
    byCniPath(netnsPath) {
      const candidates =
        opts.hostPrefix === '' ? [netnsPath] : [path.join(opts.hostPrefix, netnsPath), netnsPath];
      let lastError: unknown;
      for (const candidate of candidates) {
        try {
          return handle(opts.ops.openNetns({ path: candidate }));
        } catch (err) {
          lastError = err;
        }
      }
      throw new NetnsNotFoundError(
        `at ${netnsPath}`,
        [],
        `${candidates.join(' or ')} (${errorMessage(lastError)})`,
      );
    },

    async byPodIps(pod, ips) {
      const wanted = new Set(ips.map(canonicalIp));
      const seen = new Set<number>([opts.ownNetnsInode]);
      let entries: string[];
      try {
        entries = await readdir(opts.hostProc);
      } catch (err) {
        throw new NetnsNotFoundError(pod, ips, `${opts.hostProc} (${errorMessage(err)})`);
      }
      for (const pid of entries) {
        if (!/^\d+$/.test(pid)) continue;
        const dir = path.join(opts.hostProc, pid);
        let inode: number;
        try {
          const m = NS_LINK.exec(await readlink(path.join(dir, 'ns', 'net')));
          if (!m) continue;
          inode = Number(m[1]);
        } catch {
          continue; // exited, or a kernel thread
        }
        if (seen.has(inode)) continue;
        seen.add(inode);
        if (!(await holdsAny(dir, wanted))) continue;
        // The process may exit between the scan and the open: check we opened that namespace.
        let fd: NetnsFd;
        try {
          fd = opts.ops.openNetns({ path: path.join(dir, 'ns', 'net') });
        } catch (err) {
          opts.log.debug({ pod, pid, err: errorMessage(err) }, 'netns candidate vanished');
          continue;
        }
        if (opts.ops.netnsInode(fd) === inode) return handle(fd);
        opts.ops.closeFd(fd);
      }
      throw new NetnsNotFoundError(pod, ips, opts.hostProc);
    },
  };
}

async function holdsAny(procPidDir: string, wanted: ReadonlySet<string>): Promise<boolean> {
  const v4 = await readFile(path.join(procPidDir, 'net', 'fib_trie'), 'utf8').catch(() => '');
  for (const ip of localV4FromFibTrie(v4)) if (wanted.has(ip)) return true;
  const v6 = await readFile(path.join(procPidDir, 'net', 'if_inet6'), 'utf8').catch(() => '');
  for (const ip of localV6FromIfInet6(v6)) if (wanted.has(ip)) return true;
  return false;
}
