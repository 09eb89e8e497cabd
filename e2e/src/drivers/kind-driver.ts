// The kind driver (kind and docker through execa): create a cluster, build and
// load our images, then the same API operations as the local driver; exec
// through the apiserver (pods/exec); `kind export logs` on failure.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import { execa } from 'execa';
import type { Progress } from '@ambient-ts/local-cluster';
import type { ExecResult, ExecTarget } from './cluster-driver.js';
import type { ImageBuild } from './image-builds.js';
import { KubeDriverBase } from './kube-driver-base.js';

export interface KindTools {
  readonly kind: string;
  readonly docker: string;
}

/** undefined when kind and a working Docker daemon are present; else why not. */
export async function kindUnavailableReason(tools: KindTools): Promise<string | undefined> {
  const kind = await execa(tools.kind, ['version'], { reject: false });
  if (kind.exitCode !== 0)
    return `kind is not installed ('${tools.kind} version' failed: ${kind.stderr || kind.message})`;
  const docker = await execa(tools.docker, ['info', '--format', '{{.ServerVersion}}'], {
    reject: false,
  });
  if (docker.exitCode !== 0) {
    return `Docker is not available ('${tools.docker} info' failed: ${firstLine(docker.stderr || (docker.message ?? ''))})`;
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
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

/** A kind config with one control-plane node and `workers` workers. */
export function kindConfig(workers: number): string {
  return [
    'kind: Cluster',
    'apiVersion: kind.x-k8s.io/v1alpha4',
    'nodes:',
    '  - role: control-plane',
    ...Array.from({ length: workers }, () => '  - role: worker'),
    '',
  ].join('\n');
}

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

export class KindDriver extends KubeDriverBase {
  readonly kind = 'kind';
  private kc: KubeConfig | undefined;

  private constructor(
    readonly name: string,
    readonly kubeconfigPath: string,
    private readonly tools: KindTools,
  ) {
    super();
  }

  static async create(
    name: string,
    tools: KindTools,
    progress: Progress,
    workers = 2,
  ): Promise<KindDriver> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `kind-${name}-`));
    const kubeconfig = path.join(dir, 'kubeconfig');
    const config = path.join(dir, 'kind.yaml');
    await writeFile(config, kindConfig(workers));
    // A cluster of the same name from a crashed run would make create fail.
    await execa(tools.kind, ['delete', 'cluster', '--name', name], { reject: false });
    progress(`kind create cluster --name ${name} (${workers} workers)`);
    await execa(
      tools.kind,
      [
        'create',
        'cluster',
        '--name',
        name,
        '--config',
        config,
        '--kubeconfig',
        kubeconfig,
        '--wait',
        '180s',
      ],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    return new KindDriver(name, kubeconfig, tools);
  }

  static attach(name: string, kubeconfigPath: string, tools: KindTools): KindDriver {
    return new KindDriver(name, kubeconfigPath, tools);
  }

  kubeConfig(): KubeConfig {
    if (!this.kc) {
      this.kc = new KubeConfig();
      this.kc.loadFromFile(this.kubeconfigPath);
    }
    return this.kc;
  }

  /** docker build each image from the repo root, then kind load it into every node. */
  async loadImages(
    builds: readonly ImageBuild[],
    contextDir: string,
    progress: Progress,
  ): Promise<void> {
    for (const b of builds) {
      progress(`docker build ${b.tag}`);
      if (typeof b.dockerfile !== 'string') {
        // A Dockerfile of the repo (its .dockerignore next to it applies), one target.
        await execa(this.tools.docker, [
          'build',
          '-q',
          '-t',
          b.tag,
          '-f',
          b.dockerfile.path,
          '--target',
          b.dockerfile.target,
          contextDir,
        ]);
        await execa(this.tools.kind, ['load', 'docker-image', b.tag, '--name', this.name]);
        continue;
      }
      const dir = await mkdtemp(path.join(os.tmpdir(), 'image-'));
      try {
        await writeFile(path.join(dir, 'Dockerfile'), b.dockerfile);
        await execa(this.tools.docker, [
          'build',
          '-q',
          '-t',
          b.tag,
          '-f',
          path.join(dir, 'Dockerfile'),
          contextDir,
        ]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      await execa(this.tools.kind, ['load', 'docker-image', b.tag, '--name', this.name]);
    }
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
    const r = await execa(
      this.tools.docker,
      [
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
      { reject: false, stripFinalNewline: false },
    );
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
  }

  async exportLogs(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await execa(this.tools.kind, ['export', 'logs', dir, '--name', this.name], { reject: false });
  }

  async destroy(): Promise<void> {
    await execa(this.tools.kind, ['delete', 'cluster', '--name', this.name], { reject: false });
    await rm(path.dirname(this.kubeconfigPath), { recursive: true, force: true });
  }
}

export async function readImageTable(file: string): Promise<{
  images: {
    repository: string;
    entrypoint: string[];
    cmd: string[];
    env?: Record<string, string>;
  }[];
  mirrors?: Record<string, string>;
}> {
  return JSON.parse(await readFile(file, 'utf8')) as {
    images: {
      repository: string;
      entrypoint: string[];
      cmd: string[];
      env?: Record<string, string>;
    }[];
    mirrors?: Record<string, string>;
  };
}
