// The agent's few writes and direct reads on the Kubernetes API.
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Namespace,
  type V1Pod,
} from '@kubernetes/client-node';
import { REDIRECTION_ANNOTATION } from '../enablement.js';
import type { Annotator, RedirectionValue } from '../enrollment/enrollment.js';

export function isNotFound(err: unknown): boolean {
  return (err as { code?: number } | undefined)?.code === 404;
}

export class KubeApi implements Annotator {
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;

  constructor(kc: KubeConfig) {
    this.#core = kc.makeApiClient(CoreV1Api);
    this.#apps = kc.makeApiClient(AppsV1Api);
  }

  /**
   * As upstream: a JSON merge patch of the pod's status subresource, so the agent needs no
   * update right on pods themselves (ClusterRole istio-cni-ambient: pods/status patch).
   */
  async setRedirection(
    namespace: string,
    name: string,
    value: RedirectionValue | null,
  ): Promise<void> {
    try {
      await this.#core.patchNamespacedPodStatus(
        {
          name,
          namespace,
          body: { metadata: { annotations: { [REDIRECTION_ANNOTATION]: value } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (err) {
      if (isNotFound(err)) return; // deleted meanwhile: nothing to mark
      throw err;
    }
  }

  async getPod(namespace: string, name: string): Promise<V1Pod | undefined> {
    try {
      return await this.#core.readNamespacedPod({ name, namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async getNamespace(name: string): Promise<V1Namespace | undefined> {
    try {
      return await this.#core.readNamespace({ name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Whether our DaemonSet is going away (deleted or being deleted): only then is a SIGTERM an
   * uninstall. A rolling update or a node drain keeps the plugin in place, so new pods wait
   * for the next agent rather than start unprotected.
   */
  async daemonSetBeingRemoved(namespace: string, name: string): Promise<boolean> {
    try {
      const ds = await this.#apps.readNamespacedDaemonSet({ name, namespace });
      return ds.metadata?.deletionTimestamp !== undefined;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }
}
