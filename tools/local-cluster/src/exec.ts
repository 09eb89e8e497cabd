// exec in a pod of the local cluster: the kubelet records each container's
// main pid (as seen in the sandbox's pid namespace) in
// <node state>/pods/<ns>_<name>_<uid>/state.json. From the host we enter the
// sandbox's mount and pid namespaces (so /proc is the sandbox's), then the
// container's network and mount namespaces.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { nodeLayout, type ClusterLayout } from './control-plane/layout.js';
import { LocalClusterError } from './errors.js';
import type { NodePlan } from './network/plan.js';

export interface ExecOptions {
  /** Container name; default the first non-init container. */
  readonly container?: string;
  readonly stdin?: string;
  readonly timeoutMs?: number;
}

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

interface ContainerState {
  readonly name: string;
  readonly init?: boolean;
  readonly pid?: number;
  readonly state?: string;
}

interface PodState {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly containers: readonly ContainerState[];
}

export class PodNotRunningError extends LocalClusterError {
  override readonly name = 'PodNotRunningError';
}

/** The container's pid from the newest state.json of the pod on any node. */
export async function findContainerPid(
  layout: ClusterLayout,
  nodes: readonly NodePlan[],
  namespace: string,
  pod: string,
  container?: string,
): Promise<{ pid: number; node: string; container: string }> {
  let newest: { state: PodState; node: string; mtime: number } | undefined;
  for (const node of nodes) {
    const podsDir = path.join(nodeLayout(layout, node.name).kubeletStateDir, 'pods');
    for (const dir of await readdir(podsDir).catch(() => [] as string[])) {
      if (!dir.startsWith(`${namespace}_${pod}_`)) continue;
      const file = path.join(podsDir, dir, 'state.json');
      const st = await stat(file).catch(() => undefined);
      if (!st) continue;
      const state = JSON.parse(await readFile(file, 'utf8')) as PodState;
      if (!newest || st.mtimeMs > newest.mtime)
        newest = { state, node: node.name, mtime: st.mtimeMs };
    }
  }
  if (!newest) {
    throw new PodNotRunningError(
      `no runtime state for pod ${namespace}/${pod} on any node; is it scheduled and started?`,
    );
  }
  const c = container
    ? newest.state.containers.find((x) => x.name === container)
    : newest.state.containers.find((x) => !x.init);
  if (!c) {
    throw new PodNotRunningError(
      `pod ${namespace}/${pod} has no container ${container ?? '(non-init)'}; it has ${newest.state.containers.map((x) => x.name).join(', ')}`,
    );
  }
  if (!c.pid || c.state !== 'running') {
    throw new PodNotRunningError(
      `container ${c.name} of pod ${namespace}/${pod} is not running (state ${c.state ?? '?'})`,
    );
  }
  return { pid: c.pid, node: newest.node, container: c.name };
}

/** The argv that runs `argv` in the container: nsenter into the sandbox, then into the container. */
export function nsenterArgv(
  sandboxPid: number,
  containerPid: number,
  argv: readonly string[],
): string[] {
  return [
    'nsenter',
    '-t',
    String(sandboxPid),
    '-m',
    '-p',
    '--',
    'nsenter',
    '-t',
    String(containerPid),
    '-n',
    '-m',
    '--',
    ...argv,
  ];
}

export async function execInPod(
  layout: ClusterLayout,
  nodes: readonly NodePlan[],
  sandboxPid: number,
  namespace: string,
  pod: string,
  argv: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const target = await findContainerPid(layout, nodes, namespace, pod, options.container);
  const [cmd, ...args] = nsenterArgv(sandboxPid, target.pid, argv);
  const r = await execa(cmd ?? 'nsenter', args, {
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    ...(options.stdin !== undefined ? { input: options.stdin } : { stdin: 'ignore' }),
    stripFinalNewline: false,
  });
  if (r.timedOut) {
    throw new LocalClusterError(
      `exec ${argv.join(' ')} in ${namespace}/${pod} timed out after ${options.timeoutMs ?? 60_000}ms`,
    );
  }
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}
