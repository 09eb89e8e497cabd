// hostPath volumes resolve under the node's root directory, so each node of the local cluster
// has its own "/var/run/ztunnel" and friends. A few kernel-backed paths have no per-node copy
// and pass through to the real path inside the sandbox.
import path from 'node:path';

/** Paths (and everything under them) that hostPath volumes reach unchanged. */
export const HOST_PATH_PASSTHROUGH: readonly string[] = [
  '/proc',
  '/sys',
  '/dev',
  '/lib/modules',
  '/run/xtables.lock',
  '/var/run/xtables.lock',
];

export function mapHostPath(hostPath: string, nodeRoot: string): string {
  const p = path.posix.normalize(hostPath.startsWith('/') ? hostPath : `/${hostPath}`);
  if (HOST_PATH_PASSTHROUGH.some((x) => p === x || p.startsWith(`${x}/`))) return p;
  return path.posix.join(nodeRoot, p);
}
