// Network namespace fds: opening one by path or pid, checking a received one,
// identifying and closing them.
import { fstatSync } from 'node:fs';
import { InvalidArgumentError, NotANetworkNamespaceError, SyscallError } from './errors.js';
import { callNative } from './native-addon.js';
import { requireFd, requireNonEmptyString, requirePid } from './validate.js';

/** An open fd of a network namespace (not a socket fd). */
export type NetnsFd = number & { readonly __brand: 'NetnsFd' };

/** Which namespace to open: a namespace file, or the namespace of a process. */
export type NetnsTarget = { readonly path: string } | { readonly pid: number };

/** CLONE_NEW* values that NS_GET_NSTYPE reports (linux/sched.h). */
const NAMESPACE_KINDS: ReadonlyMap<number, string> = new Map([
  [0x00000080, 'a time namespace'],
  [0x00020000, 'a mount namespace'],
  [0x02000000, 'a cgroup namespace'],
  [0x04000000, 'a UTS namespace'],
  [0x08000000, 'an IPC namespace'],
  [0x10000000, 'a user namespace'],
  [0x20000000, 'a PID namespace'],
  [0x40000000, 'a network namespace'],
]);
const CLONE_NEWNET = 0x40000000;

/** The namespace file to open for a target: the path itself, or /proc/<pid>/ns/net. */
export function netnsPath(target: NetnsTarget): string {
  if (typeof target !== 'object' || target === null) {
    throw new InvalidArgumentError('target', 'expected {path} or {pid}');
  }
  if ('path' in target) return requireNonEmptyString(target.path, 'target.path');
  if ('pid' in target) return `/proc/${requirePid(target.pid, 'target.pid')}/ns/net`;
  throw new InvalidArgumentError('target', 'expected {path} or {pid}');
}

/**
 * Opens a network namespace (O_RDONLY | O_CLOEXEC) by namespace file
 * (`/var/run/netns/<name>`, `/proc/<pid>/ns/net`) or by pid. Holding the fd
 * keeps the namespace alive; close it with closeFd.
 */
export function openNetns(target: NetnsTarget): NetnsFd {
  const path = netnsPath(target);
  const fd = callNative(`open the network namespace ${path}`, (addon) => addon.openNetns(path));
  try {
    return asNetnsFd(fd);
  } catch (error) {
    closeFd(fd);
    throw error;
  }
}

/**
 * Checks (NS_GET_NSTYPE) that an fd, e.g. one received over ZDS, is a network
 * namespace, and brands it. Throws NotANetworkNamespaceError otherwise.
 */
export function asNetnsFd(fd: number): NetnsFd {
  requireFd(fd);
  let kind: number;
  try {
    kind = callNative(undefined, (addon) => addon.nsType(fd));
  } catch (error) {
    if (error instanceof SyscallError && (error.code === 'ENOTTY' || error.code === 'EINVAL')) {
      throw new NotANetworkNamespaceError(fd, 'not a namespace');
    }
    throw error;
  }
  if (kind !== CLONE_NEWNET) {
    throw new NotANetworkNamespaceError(
      fd,
      NAMESPACE_KINDS.get(kind) ?? `namespace kind 0x${kind.toString(16)}`,
    );
  }
  return fd as NetnsFd;
}

/**
 * The namespace's inode number: equal for every fd of the same namespace, the
 * way to tell whether two fds (or a pod and a netns file) share a namespace.
 */
export function netnsInode(fd: NetnsFd): number {
  requireFd(fd);
  return callNative(undefined, () => fstatSync(fd).ino);
}

/**
 * Closes an fd this package handed out (netns fds, fds received over
 * SEQPACKET, socket fds not handed to Node). Never use it on an fd a Node
 * socket owns: destroy the socket instead.
 */
export function closeFd(fd: number): void {
  requireFd(fd);
  callNative(`close fd ${fd}`, (addon) => {
    addon.closeFd(fd);
  });
}
