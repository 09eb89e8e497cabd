// What a scenario needs from a cluster, whatever runs it: the local netns
// cluster or kind. Scenarios are written against this interface only.
import type { KubeConfig, KubernetesObject, V1Pod } from '@kubernetes/client-node';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface ExecTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container?: string;
}

export interface ClusterDriver {
  /** "local" or "kind", for messages and timings. */
  readonly kind: string;
  kubeConfig(): KubeConfig;
  /** Server-side apply of YAML text or objects, in order; namespaced objects without a namespace go to `namespace`. */
  applyManifests(
    manifests: string | readonly KubernetesObject[],
    namespace?: string,
  ): Promise<KubernetesObject[]>;
  createNamespace(name: string, labels?: Record<string, string>): Promise<void>;
  /** Deletes the namespace and waits until it is gone. */
  deleteNamespace(name: string, timeoutMs?: number): Promise<void>;
  /** Waits until at least `minCount` pods match and all of them are Ready. */
  waitForPodsReady(
    namespace: string,
    labelSelector?: string,
    timeoutMs?: number,
    minCount?: number,
  ): Promise<V1Pod[]>;
  waitForDeploymentAvailable(namespace: string, name: string, timeoutMs?: number): Promise<void>;
  /** Polls `check` until it returns true; the error names `what`. */
  waitFor(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  exec(target: ExecTarget, argv: readonly string[]): Promise<ExecResult>;
  /**
   * Runs argv in the pod's network namespace with the node's own tools (iptables-save, ip),
   * as the node's root: what a pod's image may lack (local: the container sees the node's
   * filesystem; kind: nsenter on the node container into the pod sandbox's netns).
   */
  execInPodNetns(target: ExecTarget, argv: readonly string[]): Promise<ExecResult>;
  /** A container's log through the apiserver (pods/log). */
  logs(namespace: string, pod: string, container?: string): Promise<string>;
  /** Copies whatever helps debug a failure into `dir`. */
  exportLogs(dir: string): Promise<void>;
  destroy(): Promise<void>;
}
