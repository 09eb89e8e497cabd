// The kind driver: kind with its podman provider inside a private container
// sandbox (@ambient-ts/container-sandbox), on a node image we assemble from our
// own Kubernetes build (@ambient-ts/kind-node-image). It creates a cluster
// (control plane + workers), installs the nodes' CNI config, loads our image
// archives (`kind load image-archive`), then offers the same API operations as
// the local driver; exec through the apiserver (pods/exec); `kind export logs`
// on failure. The test process reaches the apiserver through a loopback port
// the sandbox forwards; nothing of the cluster exists outside the sandbox.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import {
  ContainerSandbox,
  type SandboxHandle,
  type TcpForward,
} from '@ambient-ts/container-sandbox';
import { ensureGoTool, ensureKindNodeImage, KIND_TOOL } from '@ambient-ts/kind-node-image';
import { formatDuration, isNodeReady, type Progress } from '@ambient-ts/local-cluster';
import type { ExecResult, ExecTarget } from './cluster-driver.js';
import { KubeDriverBase } from './kube-driver-base.js';
import {
  apiserverPortOf,
  kindConfig,
  nodeNetworkScript,
  withServerPort,
  type KindNodeAddress,
} from './kind-config.js';

export { kindConfig } from './kind-config.js';

/** The container store kind's nodes and images live in (kept between runs: the node image cache). */
export const KIND_STORE = 'kind';

/** undefined when this machine can run the kind suite; else why not (the suite prints it and skips). */
export function kindUnavailableReason(
  which: (cmd: string) => boolean = onPath,
): Promise<string | undefined> {
  return Promise.resolve(unavailableReason(which));
}

function unavailableReason(which: (cmd: string) => boolean): string | undefined {
  if (process.platform !== 'linux')
    return `kind here runs podman in a Linux sandbox (this is ${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'the kind sandbox needs root (unshare, mounts, rootful podman)';
  const missing = ['podman', 'runc', 'mmdebstrap', 'unshare', 'nsenter', 'go'].filter(
    (c) => !which(c),
  );
  if (missing.length > 0)
    return `missing ${missing.join(', ')} (apt-get install -y podman buildah skopeo runc mmdebstrap uidmap; Go >= 1.26 builds kind and Kubernetes)`;
  return undefined;
}

function onPath(cmd: string): boolean {
  return (process.env['PATH'] ?? '')
    .split(':')
    .some((dir) => dir !== '' && existsSync(path.join(dir, cmd)));
}

/** `sh -c` on a kind node: $1 pod, $2 namespace, then the command to run in the pod's netns. */
export const KIND_POD_NETNS_SCRIPT = [
  'id=$(crictl pods --name "$1" --namespace "$2" --state ready -q | head -n 1)',
  '[ -n "$id" ] || { echo "no ready pod sandbox $2/$1 on this node" >&2; exit 125; }',
  'netns=$(crictl inspectp "$id" | grep -o \'/var/run/netns/[^"]*\' | head -n 1)',
  '[ -n "$netns" ] || { echo "no netns path in crictl inspectp $id" >&2; exit 125; }',
  'shift 2',
  'exec nsenter --net="$netns" "$@"',
].join('\n');

/** Exit code of a pods/exec V1Status: 0 on Success, the ExitCode cause otherwise, -1 if none came. */
export interface ExecStatus {
  readonly status?: string;
  readonly message?: string;
  readonly details?: {
    readonly causes?: readonly { readonly reason?: string; readonly message?: string }[];
  };
}

export function exitCodeOf(status: ExecStatus | undefined): number {
  if (!status) return -1;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : 1;
}

/** What another process (a test file) needs to drive a cluster the globalSetup created. */
export interface KindAttachment {
  readonly name: string;
  readonly kubeconfigPath: string;
  readonly sandbox: SandboxHandle;
  readonly kindBinary: string;
}

export interface KindCreateOptions {
  readonly name: string;
  readonly workers?: number;
  readonly progress: Progress;
  /** Where `kind export logs` goes when creation fails. */
  readonly artifactsDir?: string;
}

export class KindDriver extends KubeDriverBase {
  readonly kind = 'kind';
  private kc: KubeConfig | undefined;
  /** Step → milliseconds of create(). */
  readonly timings: Record<string, number> = {};

  private constructor(
    readonly name: string,
    readonly kubeconfigPath: string,
    readonly sandbox: ContainerSandbox,
    readonly kindBinary: string,
    private readonly owned: { forward: TcpForward; dir: string } | undefined,
  ) {
    super();
  }

  get attachment(): KindAttachment {
    return {
      name: this.name,
      kubeconfigPath: this.kubeconfigPath,
      sandbox: this.sandbox.handle,
      kindBinary: this.kindBinary,
    };
  }

  static async create(opts: KindCreateOptions): Promise<KindDriver> {
    const { name, progress } = opts;
    const workers = opts.workers ?? 1;
    const timings: Record<string, number> = {};
    const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      const r = await fn();
      timings[label] = Date.now() - t;
      progress(`${label}: ${formatDuration(timings[label])}`);
      return r;
    };
    const kindBinary = await timed('kind binary (go install, cached)', () =>
      ensureGoTool(KIND_TOOL, progress),
    );
    const sandbox = await ContainerSandbox.start({
      store: KIND_STORE,
      hostname: 'kind-host',
      progress,
    });
    const dir = await mkdtemp(path.join(os.tmpdir(), `kind-${name}-`));
    let forward: TcpForward | undefined;
    try {
      const image = await timed('kind node image', () => ensureKindNodeImage(sandbox, progress));
      const kind = (args: string[], onLine?: (l: string) => void) =>
        sandbox.run([kindBinary, ...args], { onLine, cwd: dir });
      // A cluster of the same name left in the store by a crashed run would make create fail.
      await sandbox.run([kindBinary, 'delete', 'cluster', '--name', name], { reject: false });
      await writeFile(path.join(dir, 'kind.yaml'), kindConfig({ workers, image: image.ref }));
      const inside = path.join(dir, 'kubeconfig.sandbox');
      await timed(`kind create cluster (1 control plane + ${workers} worker)`, async () => {
        progress(`kind create cluster --name ${name} --image ${image.ref}`);
        try {
          await kind(
            [
              'create',
              'cluster',
              '--name',
              name,
              '--config',
              path.join(dir, 'kind.yaml'),
              '--kubeconfig',
              inside,
              '--retain',
            ],
            (line) => {
              progress(`  kind: ${line.trim()}`);
            },
          );
        } catch (err) {
          if (opts.artifactsDir) {
            const logs = path.join(opts.artifactsDir, `kind-create-${Date.now()}`);
            await sandbox.run([kindBinary, 'export', 'logs', logs, '--name', name], {
              reject: false,
            });
            progress(`kind create failed; logs exported to ${logs}`);
          }
          throw err;
        }
      });
      const text = await readFile(inside, 'utf8');
      forward = await sandbox.forwardTcp(apiserverPortOf(text));
      const kubeconfigPath = path.join(dir, 'kubeconfig');
      await writeFile(kubeconfigPath, withServerPort(text, forward.port), { mode: 0o600 });
      progress(
        `apiserver reachable from the host at https://127.0.0.1:${forward.port} (${kubeconfigPath})`,
      );
      const driver = new KindDriver(name, kubeconfigPath, sandbox, kindBinary, { forward, dir });
      await timed('node network (CNI config, routes) and nodes Ready', () =>
        driver.setUpNodeNetwork(progress),
      );
      Object.assign(driver.timings, timings);
      return driver;
    } catch (err) {
      await forward?.close();
      await sandbox
        .run([kindBinary, 'delete', 'cluster', '--name', name], { reject: false })
        .catch(() => undefined);
      await sandbox.close();
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** A cluster another process created (the globalSetup); destroy() leaves it to its owner. */
  static attach(a: KindAttachment): KindDriver {
    return new KindDriver(
      a.name,
      a.kubeconfigPath,
      ContainerSandbox.attach(a.sandbox),
      a.kindBinary,
      undefined,
    );
  }

  kubeConfig(): KubeConfig {
    if (!this.kc) {
      this.kc = new KubeConfig();
      this.kc.loadFromFile(this.kubeconfigPath);
    }
    return this.kc;
  }

  private async controlPlaneKubectl(args: string[]): Promise<string> {
    const r = await this.sandbox.run([
      'podman',
      'exec',
      `${this.name}-control-plane`,
      'kubectl',
      '--kubeconfig=/etc/kubernetes/admin.conf',
      ...args,
    ]);
    return r.stdout;
  }

  /**
   * What kindnetd would do: once the controller-manager has given each node a pod
   * CIDR, write each node's ptp conflist and route the other nodes' pod CIDRs via
   * them; then let workloads run on the control plane too (like the local
   * cluster's two nodes) and wait for every node to be Ready.
   */
  private async setUpNodeNetwork(progress: Progress): Promise<void> {
    let nodes: KindNodeAddress[] = [];
    await this.waitFor(
      'every kind node to have a pod CIDR',
      async () => {
        nodes = nodeAddresses(
          JSON.parse(
            await this.controlPlaneKubectl(['get', 'nodes', '-o', 'json']),
          ) as NodeListJson,
        );
        return nodes.length > 0 && nodes.every((n) => n.podCidr !== '' && n.internalIp !== '');
      },
      2 * 60_000,
    );
    for (const n of nodes) {
      progress(`node ${n.name}: ${n.internalIp}, pods ${n.podCidr}`);
      await this.sandbox.run(['podman', 'exec', n.name, 'sh', '-c', nodeNetworkScript(n, nodes)]);
    }
    await this.controlPlaneKubectl([
      'taint',
      'nodes',
      '--all',
      'node-role.kubernetes.io/control-plane-',
    ]).catch(() => '');
    await this.waitFor(
      'every kind node Ready',
      async () => {
        const list = await this.core().listNode();
        return list.items.length === nodes.length && list.items.every(isNodeReady);
      },
      3 * 60_000,
    );
  }

  /**
   * `kind load image-archive` each archive into every node (as `ref`, the name the manifests
   * use), three at a time: each load is mostly `ctr import` waiting on the node's disk.
   */
  async loadImageArchives(
    archives: readonly { ref: string; archive: string }[],
    progress: Progress,
    concurrency = 3,
  ): Promise<void> {
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (next < archives.length) {
        const a = archives[next++];
        if (!a) return;
        const t = Date.now();
        await this.sandbox.run([
          this.kindBinary,
          'load',
          'image-archive',
          a.archive,
          '--name',
          this.name,
        ]);
        done++;
        progress(
          `kind load ${a.ref} (${done}/${archives.length}): ${formatDuration(Date.now() - t)}`,
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, archives.length) }, worker));
  }

  async exec(target: ExecTarget, argv: readonly string[]): Promise<ExecResult> {
    let container = target.container;
    if (!container) {
      const pod = await this.kubeConfig()
        .makeApiClient(CoreV1Api)
        .readNamespacedPod({ name: target.pod, namespace: target.namespace });
      container = pod.spec?.containers[0]?.name ?? '';
    }
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
    stdout.on('data', (d: Buffer) => chunks.out.push(d));
    stderr.on('data', (d: Buffer) => chunks.err.push(d));
    const status = await new Promise<V1Status | undefined>((resolve, reject) => {
      new Exec(this.kubeConfig())
        .exec(
          target.namespace,
          target.pod,
          container,
          [...argv],
          stdout,
          stderr,
          null,
          false,
          (s) => {
            resolve(s);
          },
        )
        .then((ws: unknown) => {
          // A connection that closes without a status (apiserver gone) ends the wait too.
          (ws as { on(event: 'close', cb: () => void): void }).on('close', () => {
            resolve(undefined);
          });
        })
        .catch(reject);
    });
    return {
      stdout: Buffer.concat(chunks.out).toString('utf8'),
      stderr: Buffer.concat(chunks.err).toString('utf8'),
      exitCode: exitCodeOf(status),
    };
  }

  /**
   * On the pod's node container: crictl finds the pod sandbox, its netns path comes from
   * `crictl inspectp`, and nsenter runs argv there with the node image's tools.
   */
  async execInPodNetns(target: ExecTarget, argv: readonly string[]): Promise<ExecResult> {
    const pod = await this.kubeConfig()
      .makeApiClient(CoreV1Api)
      .readNamespacedPod({ name: target.pod, namespace: target.namespace });
    const node = pod.spec?.nodeName;
    if (!node) throw new Error(`pod ${target.namespace}/${target.pod} is not scheduled`);
    const r = await this.sandbox.run(
      [
        'podman',
        'exec',
        node,
        'sh',
        '-c',
        KIND_POD_NETNS_SCRIPT,
        'pod-netns',
        target.pod,
        target.namespace,
        ...argv,
      ],
      { reject: false },
    );
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  }

  async exportLogs(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await this.sandbox.run([this.kindBinary, 'export', 'logs', dir, '--name', this.name], {
      reject: false,
    });
  }

  /**
   * From any process: deletes the cluster and ends the sandbox (its pid 1 gets
   * SIGTERM; the kernel takes every process, netns and mount with it), then
   * removes the engines' cgroup dirs. The owner's destroy() afterwards finds it ended.
   */
  async destroyAndEndSandbox(): Promise<void> {
    await this.sandbox.run([this.kindBinary, 'delete', 'cluster', '--name', this.name], {
      reject: false,
    });
    await this.sandbox.terminate();
    if (this.owned) await this.destroy();
  }

  /** Deletes the cluster and ends the sandbox (owner only; an attached driver does nothing). */
  async destroy(): Promise<void> {
    if (!this.owned) return;
    await this.sandbox
      .run([this.kindBinary, 'delete', 'cluster', '--name', this.name], { reject: false })
      .catch(() => undefined);
    await this.owned.forward.close();
    await this.sandbox.close();
    await rm(this.owned.dir, { recursive: true, force: true });
  }
}

interface NodeListJson {
  items?: {
    metadata?: { name?: string };
    spec?: { podCIDR?: string };
    status?: { addresses?: { type?: string; address?: string }[] };
  }[];
}

export function nodeAddresses(list: NodeListJson): KindNodeAddress[] {
  return (list.items ?? []).map((n) => ({
    name: n.metadata?.name ?? '',
    podCidr: n.spec?.podCIDR ?? '',
    internalIp: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
  }));
}
