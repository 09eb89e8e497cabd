// An in-memory KubeApi for unit tests: objects per resource, scripted
// failures, and watch streams the test drives (emit events, end, fail).

import {
  KubeApiError,
  type KubeApi,
  type ListResult,
  type PatchType,
  type TokenReviewStatus,
  type WatchEvent,
  type WatchOptions,
} from '../kube-api.js';
import { objectKey, type KubeObject } from '../objects.js';
import type { ResourceType } from '../resources.js';

interface OpenWatch {
  readonly type: ResourceType;
  readonly options: WatchOptions;
  readonly onEvent: (event: WatchEvent) => void;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export interface RecordedPatch {
  readonly type: ResourceType;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly patch: unknown;
  readonly patchType: PatchType;
  readonly subresource: string | undefined;
}

export class FakeKubeApi implements KubeApi {
  readonly objects = new Map<string, Map<string, KubeObject>>();
  readonly watches: OpenWatch[] = [];
  readonly patches: RecordedPatch[] = [];
  readonly listCalls: string[] = [];
  /** Errors thrown by the next list() calls of a resource plural, in order. */
  readonly listFailures = new Map<string, KubeApiError[]>();
  /** Resource plurals answered with 404 (CRD not installed). */
  readonly missing = new Set<string>();
  tokenReviewer: (token: string, audiences: readonly string[]) => TokenReviewStatus = () => ({});
  private rv = 1;

  private table(type: ResourceType): Map<string, KubeObject> {
    let table = this.objects.get(type.plural);
    if (!table) {
      table = new Map();
      this.objects.set(type.plural, table);
    }
    return table;
  }

  seed(type: ResourceType, obj: KubeObject): KubeObject {
    this.rv += 1;
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv) } };
    this.table(type).set(objectKey(stored), stored);
    return stored;
  }

  list<T extends KubeObject>(type: ResourceType): Promise<ListResult<T>> {
    this.listCalls.push(type.plural);
    const failure = this.listFailures.get(type.plural)?.shift();
    if (failure) return Promise.reject(failure);
    if (this.missing.has(type.plural)) {
      return Promise.reject(
        new KubeApiError(
          404,
          'NotFound',
          'the server could not find the requested resource',
          'GET',
          type.plural,
        ),
      );
    }
    return Promise.resolve({
      items: [...this.table(type).values()] as T[],
      resourceVersion: String(this.rv),
    });
  }

  watch(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const open: OpenWatch = { type, options, onEvent, resolve, reject };
      this.watches.push(open);
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener('abort', () => {
        resolve();
      });
    });
  }

  /** Delivers a watch event; a throwing handler fails the stream, as on the wire. */
  emit(plural: string, event: WatchEvent): void {
    const w = this.lastWatch(plural);
    try {
      w.onEvent(event);
    } catch (error) {
      w.reject(error as Error);
    }
  }

  /** The most recent watch of a resource. */
  lastWatch(plural: string): OpenWatch {
    const w = [...this.watches].reverse().find((x) => x.type.plural === plural);
    if (!w) throw new Error(`no watch of ${plural}`);
    return w;
  }

  get<T extends KubeObject>(
    type: ResourceType,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    return Promise.resolve(this.table(type).get(namespace ? `${namespace}/${name}` : name) as T);
  }

  create<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    const key = objectKey(obj);
    if (this.table(type).has(key)) {
      return Promise.reject(
        new KubeApiError(409, 'AlreadyExists', `${key} already exists`, 'POST', type.plural),
      );
    }
    return Promise.resolve(this.seed(type, obj) as T);
  }

  update<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    return Promise.resolve(this.seed(type, obj) as T);
  }

  patch<T extends KubeObject>(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    options: { readonly patchType: PatchType; readonly subresource?: string },
  ): Promise<T> {
    this.patches.push({
      type,
      name,
      namespace,
      patch,
      patchType: options.patchType,
      subresource: options.subresource,
    });
    const key = namespace ? `${namespace}/${name}` : name;
    const existing = this.table(type).get(key);
    const merged = { ...(existing ?? { metadata: { name, namespace } }), ...(patch as object) };
    return Promise.resolve(this.seed(type, merged) as T);
  }

  delete(type: ResourceType, name: string, namespace?: string): Promise<boolean> {
    return Promise.resolve(this.table(type).delete(namespace ? `${namespace}/${name}` : name));
  }

  tokenReview(token: string, audiences: readonly string[]): Promise<TokenReviewStatus> {
    return Promise.resolve(this.tokenReviewer(token, audiences));
  }
}
