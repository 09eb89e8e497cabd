// The `istio-ca-root-cert` ConfigMap in every namespace (key `root-cert.pem`,
// label istio.io/config=true), kept equal to the CA's roots: created for new
// namespaces, repaired when edited or deleted, rewritten when the root
// changes (namespacecontroller upstream).

import { KubeApiError, type KubeApi } from '../kube/kube-api.js';
import type { ObjectStore } from '../kube/object-store.js';
import type { ConfigMap, Namespace } from '../kube/objects.js';
import { RESOURCES } from '../kube/resources.js';
import type { Logger } from '../runtime/logger.js';
import { WorkQueue } from '../runtime/work-queue.js';

export const ROOT_CERT_KEY = 'root-cert.pem';
/** Upstream skips these; kube-system is included so ztunnel may live there. */
export const SKIPPED_NAMESPACES: ReadonlySet<string> = new Set([
  'kube-public',
  'kube-node-lease',
  'local-path-storage',
]);

export interface RootCertPublisherOptions {
  readonly api: KubeApi;
  readonly configMapName: string;
  readonly namespaces: ObjectStore<Namespace>;
  /** ConfigMaps named configMapName in any namespace (an informer with that field selector). */
  readonly configMaps: ObjectStore<ConfigMap>;
  readonly logger: Logger;
}

export class RootCertPublisher {
  private rootPem: string | undefined;
  private readonly queue: WorkQueue;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly options: RootCertPublisherOptions) {
    this.queue = new WorkQueue({
      name: 'root-cert',
      logger: options.logger,
      concurrency: 4,
      process: (ns) => this.reconcile(ns),
    });
  }

  start(signal?: AbortSignal): void {
    const { namespaces, configMaps } = this.options;
    this.unsubscribe.push(
      namespaces.subscribe((e) => {
        if (e.type !== 'delete') this.queue.add(e.object.metadata.name ?? '');
      }),
      configMaps.subscribe((e) => {
        this.queue.add(e.object.metadata.namespace ?? '');
      }),
    );
    signal?.addEventListener(
      'abort',
      () => {
        this.close();
      },
      { once: true },
    );
    this.enqueueAll();
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.queue.close();
  }

  /** The roots to publish (all of them, concatenated); republishes everywhere when it changes. */
  setRoot(rootPem: string): void {
    if (rootPem === this.rootPem) return;
    this.rootPem = rootPem;
    this.enqueueAll();
  }

  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  private enqueueAll(): void {
    if (this.rootPem === undefined) return;
    for (const ns of this.options.namespaces.list()) this.queue.add(ns.metadata.name ?? '');
  }

  private async reconcile(namespace: string): Promise<void> {
    const root = this.rootPem;
    const { api, configMapName, namespaces, configMaps, logger } = this.options;
    const ns = namespaces.get(namespace);
    if (
      root === undefined ||
      !ns ||
      SKIPPED_NAMESPACES.has(namespace) ||
      ns.metadata.deletionTimestamp
    )
      return;
    if (ns.status?.phase === 'Terminating') return;
    const current = configMaps.get(`${namespace}/${configMapName}`);
    if (
      current?.data?.[ROOT_CERT_KEY] === root &&
      current.metadata.labels?.['istio.io/config'] === 'true'
    )
      return;
    const body: ConfigMap = {
      metadata: {
        name: configMapName,
        namespace,
        labels: { ...(current?.metadata.labels ?? {}), 'istio.io/config': 'true' },
        ...(current?.metadata.resourceVersion && {
          resourceVersion: current.metadata.resourceVersion,
        }),
      },
      data: { ...(current?.data ?? {}), [ROOT_CERT_KEY]: root },
    };
    try {
      if (current) await api.update(RESOURCES.configMaps, body);
      else await api.create(RESOURCES.configMaps, body);
      logger.info(
        { namespace, configMap: configMapName },
        current ? 'updated root certificate' : 'published root certificate',
      );
    } catch (error) {
      // 409: our cache is behind (created or edited meanwhile); the informer event requeues it.
      if (error instanceof KubeApiError && error.conflict) return;
      // 404/403 on a namespace being deleted: nothing to do.
      if (error instanceof KubeApiError && (error.notFound || error.statusCode === 403)) return;
      throw error;
    }
  }
}
