// The local driver: a cluster from @ambient-ts/local-cluster (control plane
// built from source, netns nodes, all inside one unshare sandbox). exec enters
// the container's namespaces with nsenter; logs come through the apiserver,
// which the netns kubelet serves.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  createCluster,
  openCluster,
  type LocalCluster,
  type Progress,
} from '@ambient-ts/local-cluster';
import type { ExecResult, ExecTarget } from './cluster-driver.js';
import { KubeDriverBase } from './kube-driver-base.js';

export interface LocalDriverOptions {
  readonly name: string;
  readonly nodes: number;
  readonly progress?: Progress;
  /** The cluster tears itself down when this process exits. */
  readonly ownerPid?: number;
}

export class LocalDriver extends KubeDriverBase {
  readonly kind = 'local';
  private kc: KubeConfig | undefined;

  private constructor(readonly cluster: LocalCluster) {
    super();
  }

  /** Creates the cluster, replacing one of the same name a previous run left running. */
  static async create(options: LocalDriverOptions): Promise<LocalDriver> {
    const cluster = await createCluster({
      name: options.name,
      nodes: options.nodes,
      replace: true,
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.ownerPid ? { ownerPid: options.ownerPid } : {}),
    });
    return new LocalDriver(cluster);
  }

  /** Attaches to a running cluster (a test worker attaching to the globalSetup's cluster). */
  static async attach(name: string): Promise<LocalDriver> {
    const cluster = await openCluster(name);
    if (!cluster)
      throw new Error(
        `local cluster ${name} is not running; the globalSetup should have created it`,
      );
    return new LocalDriver(cluster);
  }

  kubeConfig(): KubeConfig {
    this.kc ??= this.cluster.kubeConfig();
    return this.kc;
  }

  async exec(target: ExecTarget, argv: readonly string[]): Promise<ExecResult> {
    return this.cluster.exec(
      target.namespace,
      target.pod,
      argv,
      target.container ? { container: target.container } : {},
    );
  }

  /** The container's mount namespace is the node's filesystem plus volumes: its tools are the node's. */
  async execInPodNetns(target: ExecTarget, argv: readonly string[]): Promise<ExecResult> {
    return this.exec(target, argv);
  }

  async exportLogs(dir: string): Promise<void> {
    await this.cluster.exportLogs(dir);
  }

  async destroy(): Promise<void> {
    await this.cluster.destroy();
  }
}
