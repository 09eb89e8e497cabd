// The half of a driver that only needs the Kubernetes API: apply, namespaces,
// waits and logs through client-node. Local and kind drivers share it.
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  applyObjects,
  describeUnreadyPods,
  errorText,
  isDeploymentAvailable,
  isPodReady,
  parseManifests,
  pollUntil,
} from '@ambient-ts/local-cluster';
import { stringify } from 'yaml';
import type { ClusterDriver, ExecResult, ExecTarget } from './cluster-driver.js';

export const DEFAULT_WAIT_MS = 5 * 60_000;

function isNotFound(err: unknown): boolean {
  return (
    (err as { code?: number }).code === 404 || /HTTP-Code: 404|not found/i.test(errorText(err))
  );
}

export abstract class KubeDriverBase implements ClusterDriver {
  abstract readonly kind: string;
  abstract kubeConfig(): KubeConfig;
  abstract exec(target: ExecTarget, argv: readonly string[]): Promise<ExecResult>;
  abstract execInPodNetns(target: ExecTarget, argv: readonly string[]): Promise<ExecResult>;
  abstract exportLogs(dir: string): Promise<void>;
  abstract destroy(): Promise<void>;

  protected core(): CoreV1Api {
    return this.kubeConfig().makeApiClient(CoreV1Api);
  }

  async applyManifests(
    manifests: string | readonly KubernetesObject[],
    namespace?: string,
  ): Promise<KubernetesObject[]> {
    const objects = typeof manifests === 'string' ? parseManifests(manifests) : manifests;
    return applyObjects(
      this.kubeConfig(),
      objects,
      namespace ? { defaultNamespace: namespace } : {},
    );
  }

  async createNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
    await this.applyManifests(
      stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }),
    );
  }

  async deleteNamespace(name: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const core = this.core();
    try {
      await core.deleteNamespace({ name });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    await pollUntil(
      `namespace ${name} to be deleted`,
      timeoutMs,
      async () => {
        try {
          const ns = await core.readNamespace({ name });
          return { done: false, detail: `phase ${ns.status?.phase ?? '?'}` };
        } catch (err) {
          if (isNotFound(err)) return { done: true };
          throw err;
        }
      },
      { intervalMs: 1000 },
    );
  }

  async waitForPodsReady(
    namespace: string,
    labelSelector?: string,
    timeoutMs = DEFAULT_WAIT_MS,
    minCount = 1,
  ): Promise<V1Pod[]> {
    const core = this.core();
    const pods = await pollUntil(
      `pods ${labelSelector ?? '(all)'} in ${namespace} Ready`,
      timeoutMs,
      async () => {
        const list = await core.listNamespacedPod({
          namespace,
          ...(labelSelector ? { labelSelector } : {}),
        });
        const live = list.items.filter((p) => !p.metadata?.deletionTimestamp);
        return {
          done: live.length >= minCount && live.every(isPodReady),
          value: live,
          detail:
            live.length < minCount
              ? `${live.length}/${minCount} pods exist`
              : describeUnreadyPods(live),
        };
      },
      { intervalMs: 1000 },
    );
    return pods ?? [];
  }

  async waitForDeploymentAvailable(
    namespace: string,
    name: string,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<void> {
    const apps = this.kubeConfig().makeApiClient(AppsV1Api);
    await pollUntil(
      `deployment ${namespace}/${name} available`,
      timeoutMs,
      async () => {
        const dep = await apps.readNamespacedDeployment({ name, namespace });
        return {
          done: isDeploymentAvailable(dep),
          detail: `available ${dep.status?.availableReplicas ?? 0}/${dep.spec?.replicas ?? 1}`,
        };
      },
      { intervalMs: 1000 },
    );
  }

  async waitFor(
    what: string,
    check: () => Promise<boolean>,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<void> {
    await pollUntil(what, timeoutMs, async () => ({ done: await check() }), { intervalMs: 1000 });
  }

  async logs(namespace: string, pod: string, container?: string): Promise<string> {
    return this.core().readNamespacedPodLog({
      name: pod,
      namespace,
      ...(container ? { container } : {}),
    });
  }
}
