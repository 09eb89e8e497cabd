// What the host side hands to the daemon and the supervisor: everything they
// need to run the cluster, written once to <stateDir>/cluster.json.
import { readFile } from 'node:fs/promises';
import type { NodePlan } from '../network/plan.js';

export interface ClusterSpec {
  readonly name: string;
  readonly stateDir: string;
  readonly nodes: readonly NodePlan[];
  /** The cached Kubernetes/CoreDNS binaries. */
  readonly binDir: string;
  readonly repoRoot: string;
  /** deploy/cluster-addons: applied once the control plane is up. */
  readonly addonsDir: string;
  /** deploy/images/local-images.json, passed to each kubelet. */
  readonly imageTable: string;
  /** argv that runs a TypeScript/JS entry of this repo: [node, …flags]. */
  readonly nodeCommand: readonly string[];
  /** argv prefix running the netns kubelet (src/main.ts via tsx, or dist/main.js). */
  readonly kubeletCommand: readonly string[] | undefined;
  /**
   * False sets up nodes (netns, credentials, CNI config once a Node object
   * with a pod CIDR exists) without starting kubelets: the control-plane test
   * registers a Node itself.
   */
  readonly startKubelets: boolean;
  /** The daemon tears the cluster down when this process dies (e2e runs). */
  readonly ownerPid: number | undefined;
  readonly createdAt: string;
}

export async function readSpec(file: string): Promise<ClusterSpec> {
  return JSON.parse(await readFile(file, 'utf8')) as ClusterSpec;
}
