// The Node object: registration, status (addresses, capacity, kubelet port, Ready) and the
// heartbeat Lease in kube-node-lease, then the pod CIDR the controller-manager assigns and
// routes to every other node's pod CIDR (our "kindnet").
import { createHash } from 'node:crypto';
import os from 'node:os';
import { startInformer } from '@ambient-ts/kube-informer';
import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  VersionApi,
  setHeaderOptions,
  type KubeConfig,
  type V1Lease,
  type V1Node,
} from '@kubernetes/client-node';
import type { NodeIP } from './brands.js';
import type { CommandRunner, Tools } from './commands.js';
import { errorMessage } from './errors.js';
import { isNotFound } from './kube-api.js';
import type { Plain } from './k8s-types.js';
import { reconcileMasquerade, reconcileRoutes } from './node-network.js';
import { desiredRoutes, nodePodCidrs } from './node-routes.js';
import type { Log } from './runtime-deps.js';

export interface NodeAgentOptions {
  readonly kc: KubeConfig;
  readonly nodeName: string;
  readonly nodeIP: NodeIP;
  readonly port: number;
  readonly capacity: {
    readonly cpu: string;
    readonly memory: string;
    readonly ephemeralStorage: string;
    readonly pods: string;
  };
  readonly run: CommandRunner;
  readonly tools: Tools;
  readonly log: Log;
  readonly leaseDurationSeconds?: number;
  readonly heartbeatMs?: number;
}

const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
/** metav1.MicroTime: RFC3339 with microseconds, as the apiserver parses it. */
export const microTime = (d: Date): string => d.toISOString().replace(/Z$/, '000Z');
const arch = (): string => ({ x64: 'amd64', arm64: 'arm64' })[os.arch()] ?? os.arch();

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

export class NodeAgent {
  private readonly core: CoreV1Api;
  private readonly coord: CoordinationV1Api;
  private readonly started = new Date();
  private kubeletVersion = 'v0.0.0-netns-kubelet';
  private nodeUID = '';

  constructor(private readonly o: NodeAgentOptions) {
    this.core = o.kc.makeApiClient(CoreV1Api);
    this.coord = o.kc.makeApiClient(CoordinationV1Api);
  }

  /** Creates the Node if missing and posts its status; retries until the apiserver answers. */
  async register(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        // Report the control plane's version: kubectl and controllers compare against it.
        const v = await this.o.kc.makeApiClient(VersionApi).getCode();
        this.kubeletVersion = v.gitVersion;
        let node: V1Node;
        try {
          node = await this.core.readNode({ name: this.o.nodeName });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          const body: Plain<V1Node> = {
            apiVersion: 'v1',
            kind: 'Node',
            metadata: {
              name: this.o.nodeName,
              labels: {
                'kubernetes.io/hostname': this.o.nodeName,
                'kubernetes.io/os': 'linux',
                'kubernetes.io/arch': arch(),
                'beta.kubernetes.io/os': 'linux',
                'beta.kubernetes.io/arch': arch(),
              },
            },
            spec: {},
          };
          node = await this.core.createNode({ body });
          this.o.log.info({ node: this.o.nodeName }, 'node registered');
        }
        this.nodeUID = node.metadata?.uid ?? '';
        await this.postStatus();
        return;
      } catch (err) {
        this.o.log.warn({ err: errorMessage(err), attempt }, 'node registration failed; retrying');
        await sleep(Math.min(1000 * 2 ** attempt, 10_000), signal);
      }
    }
  }

  private statusBody(): Record<string, unknown> {
    const now = rfc3339(new Date());
    const since = rfc3339(this.started);
    const cond = (
      type: string,
      status: string,
      reason: string,
      message: string,
    ): Record<string, string> => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: since,
    });
    const c = this.o.capacity;
    const resources = {
      cpu: c.cpu,
      memory: c.memory,
      'ephemeral-storage': c.ephemeralStorage,
      pods: c.pods,
    };
    const id = createHash('sha256').update(this.o.nodeName).digest('hex').slice(0, 32);
    return {
      status: {
        addresses: [
          { type: 'InternalIP', address: this.o.nodeIP },
          { type: 'Hostname', address: this.o.nodeName },
        ],
        capacity: resources,
        allocatable: resources,
        daemonEndpoints: { kubeletEndpoint: { Port: this.o.port } },
        nodeInfo: {
          machineID: id,
          systemUUID: id,
          bootID: id,
          kernelVersion: os.release(),
          osImage: 'netns-kubelet node (processes in network namespaces)',
          containerRuntimeVersion: 'netns://0.1.0',
          kubeletVersion: this.kubeletVersion,
          kubeProxyVersion: this.kubeletVersion,
          operatingSystem: 'linux',
          architecture: arch(),
        },
        conditions: [
          cond(
            'MemoryPressure',
            'False',
            'KubeletHasSufficientMemory',
            'kubelet has sufficient memory available',
          ),
          cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
          cond(
            'PIDPressure',
            'False',
            'KubeletHasSufficientPID',
            'kubelet has sufficient PID available',
          ),
          cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
        ],
      },
    };
  }

  private async postStatus(): Promise<void> {
    await this.core.patchNodeStatus(
      { name: this.o.nodeName, body: this.statusBody() },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  }

  private async renewLease(): Promise<void> {
    const name = this.o.nodeName;
    const namespace = 'kube-node-lease';
    // Merge patches carry renewTime as the MicroTime string the apiserver demands
    // (RFC3339 with exactly six fractional digits); client-node would send milliseconds.
    const spec = {
      holderIdentity: name,
      leaseDurationSeconds: this.o.leaseDurationSeconds ?? 40,
      renewTime: microTime(new Date()),
    };
    const patch = (): Promise<unknown> =>
      this.coord.patchNamespacedLease(
        { name, namespace, body: { spec } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    try {
      await patch();
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const body: Plain<V1Lease> = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace,
          ...(this.nodeUID
            ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: this.nodeUID }] }
            : {}),
        },
        spec: { holderIdentity: name, leaseDurationSeconds: spec.leaseDurationSeconds },
      };
      await this.coord.createNamespacedLease({ namespace, body });
      await patch();
    }
  }

  /** Lease every heartbeat (10 s), node status every third; runs until the signal aborts. */
  async heartbeat(signal: AbortSignal): Promise<void> {
    const period = this.o.heartbeatMs ?? 10_000;
    for (let i = 0; !signal.aborted; i++) {
      try {
        await this.renewLease();
        // Status every 30 s, inside the controller-manager's 40 s grace even without a Lease.
        if (i % 3 === 0) await this.postStatus();
      } catch (err) {
        this.o.log.warn({ err: errorMessage(err) }, 'node heartbeat failed');
      }
      await sleep(period, signal);
    }
  }

  /** Waits for the controller-manager to assign spec.podCIDR(s). */
  async waitForPodCidrs(signal: AbortSignal): Promise<string[]> {
    for (let i = 0; !signal.aborted; i++) {
      try {
        const node = await this.core.readNode({ name: this.o.nodeName });
        const cidrs = nodePodCidrs(node);
        if (cidrs.length > 0) return cidrs;
        if (i % 10 === 0)
          this.o.log.info(
            { node: this.o.nodeName },
            'waiting for the controller-manager to assign a pod CIDR',
          );
      } catch (err) {
        this.o.log.warn({ err: errorMessage(err) }, 'reading the node failed');
      }
      await sleep(1000, signal);
    }
    return [];
  }

  /** Watches Nodes and keeps routes to their pod CIDRs and the masquerade chain current. */
  watchRoutes(ownCidrs: readonly string[], signal: AbortSignal): void {
    let pending: NodeJS.Timeout | undefined;
    let running = Promise.resolve();
    // Until the first successful list we know no other node's CIDR: routing or masquerading
    // then would treat cross-node pod traffic as leaving the cluster.
    let synced = false;
    const informer = startInformer<V1Node>({
      kc: this.o.kc,
      path: '/api/v1/nodes',
      list: () => this.core.listNode(),
      handlers: {
        upsert: () => {
          synced = true;
          schedule();
        },
        remove: () => {
          schedule();
        },
      },
      log: this.o.log,
      what: 'nodes',
      rbacHint: "grant the kubelet's identity list and watch on nodes (RBAC)",
      signal,
    });
    const reconcile = async (): Promise<void> => {
      if (!synced) return;
      const nodes = informer.list();
      const routes = desiredRoutes(this.o.nodeName, nodes);
      const all = [...ownCidrs, ...nodes.flatMap(nodePodCidrs)];
      try {
        await reconcileRoutes(this.o.run, this.o.tools, routes);
        await reconcileMasquerade(this.o.run, this.o.tools, ownCidrs, all);
        this.o.log.debug({ routes }, 'pod routes reconciled');
      } catch (err) {
        this.o.log.error({ err: errorMessage(err) }, 'reconciling pod routes failed');
        schedule(5000);
      }
    };
    const schedule = (ms = 200): void => {
      if (signal.aborted) return;
      if (pending) clearTimeout(pending);
      pending = setTimeout(() => {
        pending = undefined;
        running = running.then(reconcile);
      }, ms);
    };
    signal.addEventListener(
      'abort',
      () => {
        if (pending) clearTimeout(pending);
      },
      { once: true },
    );
    schedule(0);
  }
}
