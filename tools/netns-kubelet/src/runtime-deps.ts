// The side effects a pod needs, as interfaces (ARCHITECTURE.md §5). main.ts wires them to
// Kubernetes and the node; the integration test wires the same runtime without Kubernetes.
import type { BackoffPolicy } from './backoff.js';
import type { NodeIP } from './brands.js';
import type { CniRunner } from './cni-runner.js';
import type { CommandRunner, Tools } from './commands.js';
import type { ProcessLauncher } from './container-launcher.js';
import type { NodeResources } from './env.js';
import type { ImageTable } from './image-table.js';
import type { Pod, Service } from './k8s-types.js';
import type { KubeObjects, ReferencedObjects } from './kube-objects.js';
import type { NetnsManager } from './netns.js';
import type { Prober } from './prober.js';
import type { TokenSource } from './volume-writer.js';

export interface RuntimeConfig {
  readonly nodeName: string;
  readonly nodeIP: NodeIP;
  readonly stateDir: string;
  readonly nodeRoot: string;
  readonly clusterDns: string;
  readonly clusterDomain: string;
  readonly backoff: BackoffPolicy;
  readonly node: NodeResources;
  /** How often ConfigMap/Secret/downwardAPI volume files are re-synced (kubelet: about a minute). */
  readonly volumeSyncMs: number;
}

/** What a pod needs to read from Kubernetes. */
export interface PodApi {
  objects(namespace: string, refs: ReferencedObjects): Promise<KubeObjects>;
  /** Services of the namespace plus default/kubernetes, for service links. */
  services(namespace: string): Promise<Service[]>;
  readonly tokens: TokenSource;
}

export type EventType = 'Normal' | 'Warning';

/** Where a pod's status and events go. */
export interface PodReporter {
  status(pod: Pod, patch: Record<string, unknown>): Promise<void>;
  event(pod: Pod, type: EventType, reason: string, message: string, fieldPath?: string): void;
}

export interface ImageSource {
  /** The current table; re-read so a fixed table heals ErrImagePull on the next retry. */
  table(): Promise<ImageTable>;
}

export interface Log {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RuntimeDeps {
  readonly config: RuntimeConfig;
  readonly api: PodApi;
  readonly reporter: PodReporter;
  readonly images: ImageSource;
  readonly netns: NetnsManager;
  readonly cni: CniRunner;
  readonly launcher: ProcessLauncher;
  readonly prober: Prober;
  readonly tools: Tools;
  readonly run: CommandRunner;
  readonly log: Log;
}
