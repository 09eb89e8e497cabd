// List + watch of one resource type into an ObjectStore, for as long as
// istiod runs. What client-node's ListWatch does not: it never stops on an
// error (it retries with backoff), relists when the resourceVersion is gone
// (410, as an HTTP status or as a watch ERROR event), survives API server
// restarts, and waits for a CRD that is not installed yet, saying so once.

import { backoffDelay, KUBE_BACKOFF, sleep, type Backoff } from '../runtime/backoff.js';
import { errorMessage, type Logger } from '../runtime/logger.js';
import { KubeApiError, type KubeApi, type Selection } from './kube-api.js';
import type { ObjectStore } from './object-store.js';
import { objectKey, type KubeObject } from './objects.js';
import { crdName, type ResourceType } from './resources.js';

export interface ReflectorOptions<T extends KubeObject> {
  readonly api: KubeApi;
  readonly type: ResourceType;
  readonly store: ObjectStore<T>;
  readonly logger: Logger;
  /** Only part of the resource (e.g. one namespace, a name). */
  readonly selection?: Selection;
  readonly backoff?: Backoff;
  /** How long the server keeps one watch open; randomised ±20% so watches do not end together. */
  readonly watchTimeoutSeconds?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type ReflectorState = 'starting' | 'synced' | 'waiting-for-crd' | 'stopped';

class GoneError extends Error {}

export class Reflector<T extends KubeObject> {
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private stateValue: ReflectorState = 'starting';
  private running: Promise<void> | undefined;
  private syncedOnce = false;
  private readonly syncWaiters: (() => void)[] = [];
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly options: ReflectorOptions<T>) {
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? sleep;
  }

  /** The resource's plural (for logs and /ready). */
  get resource(): string {
    return this.options.type.plural;
  }

  get state(): ReflectorState {
    return this.stateValue;
  }

  /**
   * True after the first complete list, or once the resource is known to be
   * absent (a CRD that is not installed: there is nothing to wait for).
   */
  get hasSynced(): boolean {
    return this.syncedOnce;
  }

  whenSynced(): Promise<void> {
    if (this.syncedOnce) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(signal?: AbortSignal): void {
    if (this.running) throw new Error(`reflector for ${this.options.type.plural} already started`);
    signal?.addEventListener('abort', () => void this.close(), { once: true });
    this.running = this.run();
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.stateValue = 'stopped';
    await this.running;
  }

  private markSynced(): void {
    if (this.syncedOnce) return;
    this.syncedOnce = true;
    for (const waiter of this.syncWaiters.splice(0)) waiter();
  }

  private async run(): Promise<void> {
    const { type, logger } = this.options;
    const backoff = this.options.backoff ?? KUBE_BACKOFF;
    let failures = 0;
    let crdMissingLogged = false;
    while (!this.abort.signal.aborted) {
      try {
        if (this.resourceVersion === '') await this.relist();
        if (crdMissingLogged) {
          logger.info({ crd: crdName(type) }, 'CRD is installed now; watching it');
          crdMissingLogged = false;
        }
        if (this.abort.signal.aborted) break;
        await this.watchOnce();
        failures = 0;
      } catch (error) {
        if (this.abort.signal.aborted) break;
        if (error instanceof GoneError || (error instanceof KubeApiError && error.gone)) {
          logger.debug({ resource: type.plural }, 'watch resourceVersion expired (410); relisting');
          this.resourceVersion = '';
          continue;
        }
        if (error instanceof KubeApiError && error.notFound && type.crd) {
          // A missing CRD is a normal state (e.g. Gateway API not installed yet).
          // Nothing exists to sync, so readiness does not wait for it.
          this.stateValue = 'waiting-for-crd';
          this.options.store.replace([]);
          this.markSynced();
          if (!crdMissingLogged) {
            logger.warn(
              { crd: crdName(type) },
              `CRD ${crdName(type)} is not installed; waiting for it (install it to use ${type.kind} objects)`,
            );
            crdMissingLogged = true;
          }
          this.resourceVersion = '';
          await this.sleep(backoffDelay(6, backoff, this.random), this.abort.signal);
          continue;
        }
        const delay = backoffDelay(failures, backoff, this.random);
        failures += 1;
        logger.warn(
          { resource: type.plural, error: errorMessage(error), retryInMs: delay, failures },
          'list/watch failed; retrying',
        );
        await this.sleep(delay, this.abort.signal);
      }
    }
    this.stateValue = 'stopped';
  }

  private async relist(): Promise<void> {
    const result = await this.options.api.list<T>(this.options.type, this.options.selection);
    this.options.store.replace(result.items);
    this.resourceVersion = result.resourceVersion;
    this.stateValue = 'synced';
    this.markSynced();
  }

  private async watchOnce(): Promise<void> {
    const base = this.options.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.max(1, Math.round(base * (0.8 + 0.4 * this.random())));
    const { store } = this.options;
    await this.options.api.watch(
      this.options.type,
      {
        ...this.options.selection,
        resourceVersion: this.resourceVersion,
        timeoutSeconds,
        signal: this.abort.signal,
      },
      (event) => {
        switch (event.type) {
          case 'ADDED':
          case 'MODIFIED':
            store.upsert(event.object as T);
            break;
          case 'DELETED':
            store.delete(objectKey(event.object));
            break;
          case 'BOOKMARK':
            break;
          case 'ERROR':
            if (event.object.code === 410) throw new GoneError('resourceVersion expired');
            throw new KubeApiError(
              event.object.code ?? 0,
              'WatchError',
              event.object.message ?? 'watch error event',
              'GET',
              this.options.type.plural,
            );
        }
        const rv = event.object.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
      },
    );
  }
}
