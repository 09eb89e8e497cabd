// <state-dir>/pods/<ns>_<name>_<uid>/state.json: what the node knows about a pod's sandbox and
// processes. The e2e driver reads it (pid for `nsenter -t <pid> -n -m`, log paths); the kubelet
// reads it after a restart to clean up what the previous run left.
import path from 'node:path';

export interface ContainerStateFile {
  readonly name: string;
  readonly init: boolean;
  readonly containerID: string;
  /** The container's main pid as seen in the kubelet's pid namespace; absent once it exited. */
  readonly pid?: number;
  /** /proc/<pid>/stat start time, so a recycled pid is never mistaken for the container. */
  readonly pidStartTime?: string;
  readonly netnsPath: string;
  readonly logPath: string;
  readonly restartCount: number;
  readonly state: 'running' | 'exited' | 'waiting';
  readonly exitCode?: number;
}

export interface PodStateFile {
  readonly version: 1;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly hostNetwork: boolean;
  /** The sandbox id, passed to CNI as CNI_CONTAINERID. */
  readonly sandboxID: string;
  readonly netnsPath: string;
  /** Whether CNI ADD ran (so DEL is owed at teardown). */
  readonly cniAdded: boolean;
  readonly cniConfFile?: string;
  readonly podIPs: readonly string[];
  readonly containers: readonly ContainerStateFile[];
}

export function podDirName(namespace: string, name: string, uid: string): string {
  return `${namespace}_${name}_${uid}`;
}

export function podDir(stateDir: string, namespace: string, name: string, uid: string): string {
  return path.join(stateDir, 'pods', podDirName(namespace, name, uid));
}

export function parsePodDirName(
  dir: string,
): { namespace: string; name: string; uid: string } | undefined {
  // Namespaces and pod names cannot contain "_" (DNS labels/subdomains), so the split is exact.
  const parts = dir.split('_');
  if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
  const [namespace, name, uid] = parts as [string, string, string];
  return { namespace, name, uid };
}
