// The Kubernetes side of the pod runtime, on @kubernetes/client-node: reading ConfigMaps,
// Secrets and Services, issuing tokens (TokenRequest bound to the pod), writing pod status
// (strategic-merge patch of the status subresource), events, and the final pod deletion.
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type AuthenticationV1TokenRequest,
  type KubeConfig,
  type V1ConfigMap,
  type V1DeleteOptions,
  type V1Secret,
} from '@kubernetes/client-node';
import type { PodFinalizer } from './pod-manager.js';
import type { Plain, Pod, Service } from './k8s-types.js';
import { objectSnapshot, type KubeObjects, type ReferencedObjects } from './kube-objects.js';
import type { EventType, Log, PodApi, PodReporter } from './runtime-deps.js';
import type { IssuedToken, TokenSource } from './volume-writer.js';
import { errorMessage } from './errors.js';

export function isNotFound(err: unknown): boolean {
  return (err as { code?: number } | undefined)?.code === 404;
}

function isConflict(err: unknown): boolean {
  return (err as { code?: number } | undefined)?.code === 409;
}

const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class KubePodApi implements PodApi, PodReporter, PodFinalizer {
  private readonly core: CoreV1Api;
  readonly tokens: TokenSource;

  constructor(
    kc: KubeConfig,
    private readonly nodeName: string,
    private readonly log: Log,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    const core = this.core;
    this.tokens = {
      async request(a): Promise<IssuedToken> {
        // Bound to the pod, as kubelet's projected tokens are: invalid once the pod is gone.
        const body: Plain<AuthenticationV1TokenRequest> = {
          spec: {
            audiences: a.audience ? [a.audience] : [],
            expirationSeconds: a.expirationSeconds,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: a.podName, uid: a.podUID },
          },
        };
        const r = await core.createNamespacedServiceAccountToken({
          name: a.serviceAccount,
          namespace: a.namespace,
          body,
        });
        const token = r.status?.token;
        if (!token)
          throw new Error(`TokenRequest for ${a.namespace}/${a.serviceAccount} returned no token`);
        const exp = r.status?.expirationTimestamp;
        return {
          token,
          expirationTimestamp: exp
            ? new Date(exp)
            : new Date(Date.now() + a.expirationSeconds * 1000),
        };
      },
    };
  }

  async objects(namespace: string, refs: ReferencedObjects): Promise<KubeObjects> {
    const get = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await fn();
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    const cms = await Promise.all(
      [...refs.configMaps].map((name) =>
        get<V1ConfigMap>(() => this.core.readNamespacedConfigMap({ name, namespace })),
      ),
    );
    const secrets = await Promise.all(
      [...refs.secrets].map((name) =>
        get<V1Secret>(() => this.core.readNamespacedSecret({ name, namespace })),
      ),
    );
    return objectSnapshot(
      namespace,
      cms.filter((c): c is V1ConfigMap => c !== undefined),
      secrets.filter((s): s is V1Secret => s !== undefined),
    );
  }

  async services(namespace: string): Promise<Service[]> {
    const list = await this.core.listNamespacedService({ namespace });
    const out: Service[] = [...list.items];
    if (namespace !== 'default') {
      try {
        out.push(
          await this.core.readNamespacedService({ name: 'kubernetes', namespace: 'default' }),
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return out;
  }

  async status(pod: Pod, patch: Record<string, unknown>): Promise<void> {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    try {
      await this.core.patchNamespacedPodStatus(
        { name, namespace, body: patch },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    } catch (err) {
      // A pod deleted meanwhile has no status to write.
      if (isNotFound(err)) return;
      throw err;
    }
  }

  event(pod: Pod, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const md = pod.metadata ?? {};
    const namespace = md.namespace ?? 'default';
    const now = new Date();
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${md.name ?? 'pod'}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: md.name,
        namespace,
        uid: md.uid,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      source: { component: 'kubelet', host: this.nodeName },
      reportingComponent: 'kubelet',
      reportingInstance: this.nodeName,
      firstTimestamp: rfc3339(now),
      lastTimestamp: rfc3339(now),
      count: 1,
    };
    this.core.createNamespacedEvent({ namespace, body: body as never }).catch((err: unknown) => {
      this.log.debug({ reason, err: errorMessage(err) }, 'event not recorded');
    });
  }

  async deletePod(namespace: string, name: string, uid: string): Promise<void> {
    try {
      const body: Plain<V1DeleteOptions> = { gracePeriodSeconds: 0, preconditions: { uid } };
      await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0, body });
    } catch (err) {
      // Already gone, or a new pod reuses the name (UID precondition failed).
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}
