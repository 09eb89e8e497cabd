// What istiod needs from the Kubernetes API, as an interface: the informers,
// the status writer, the CA and the deployment controller get this injected
// (HttpKubeApi in main.ts, fakes in unit tests).

import type { KubeObject } from './objects.js';
import type { ResourceType } from './resources.js';

export interface ListResult<T extends KubeObject = KubeObject> {
  readonly items: readonly T[];
  readonly resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** The object; for ERROR a metav1.Status. */
  readonly object: KubeObject & { readonly code?: number; readonly message?: string };
}

/** Narrows a list or watch (both must use the same). */
export interface Selection {
  /** Only this namespace (namespaced resources). */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface WatchOptions extends Selection {
  readonly resourceVersion: string;
  /** Server-side timeout; the stream then ends normally and the caller re-watches. */
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
}

export type PatchType = 'merge' | 'json' | 'apply';

export interface TokenReviewStatus {
  readonly authenticated?: boolean;
  readonly error?: string;
  readonly audiences?: readonly string[];
  readonly user?: {
    readonly username?: string;
    readonly uid?: string;
    readonly groups?: readonly string[];
    readonly extra?: Readonly<Record<string, readonly string[]>>;
  };
}

export interface KubeApi {
  list<T extends KubeObject>(type: ResourceType, selection?: Selection): Promise<ListResult<T>>;
  /**
   * Streams watch events to `onEvent` until the server ends the stream
   * (resolves) or it fails (rejects with KubeApiError). Aborting `signal`
   * resolves it.
   */
  watch(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
  ): Promise<void>;
  /** Undefined when the object does not exist. */
  get<T extends KubeObject>(
    type: ResourceType,
    name: string,
    namespace?: string,
  ): Promise<T | undefined>;
  create<T extends KubeObject>(type: ResourceType, obj: T): Promise<T>;
  /** Replaces an object (PUT); `obj.metadata.resourceVersion` guards against lost updates. */
  update<T extends KubeObject>(type: ResourceType, obj: T): Promise<T>;
  patch<T extends KubeObject>(
    type: ResourceType,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    options: {
      readonly patchType: PatchType;
      readonly subresource?: string;
      readonly fieldManager?: string;
      readonly force?: boolean;
    },
  ): Promise<T>;
  /** Resolves false when the object did not exist. */
  delete(type: ResourceType, name: string, namespace?: string): Promise<boolean>;
  /** POST a TokenReview; returns its status. */
  tokenReview(token: string, audiences: readonly string[]): Promise<TokenReviewStatus>;
}

/** A request to the API server failed; `statusCode` 0 means no HTTP answer (network). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${statusCode === 0 ? '' : `${statusCode} `}${message}`);
  }

  /** The resource type is not served (a CRD that is not installed). */
  get notFound(): boolean {
    return this.statusCode === 404;
  }

  /** The watch's resourceVersion is too old: relist. */
  get gone(): boolean {
    return this.statusCode === 410;
  }

  get conflict(): boolean {
    return this.statusCode === 409;
  }
}
