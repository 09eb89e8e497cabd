// What istioctl asks of the Kubernetes API, as an interface: commands depend
// on this, main.ts wires the HTTP implementation, tests may use either.

import type { Gateway, Namespace, Pod } from './objects.js';

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface KubeClient {
  getNamespace(name: string): Promise<Namespace>;
  /** PUT of the whole object, as client-go's Update (conflicts if it changed meanwhile). */
  updateNamespace(namespace: Namespace): Promise<Namespace>;
  /** `namespace` undefined lists across all namespaces. */
  listGateways(namespace: string | undefined, options?: ListOptions): Promise<Gateway[]>;
  getGateway(namespace: string, name: string): Promise<Gateway>;
  /** Server-side apply. */
  applyGateway(gateway: Gateway, fieldManager: string): Promise<Gateway>;
  deleteGateway(namespace: string, name: string): Promise<void>;
  listPods(namespace: string, options?: ListOptions): Promise<Pod[]>;
  /**
   * GET through the API server's pod proxy: /api/v1/namespaces/<ns>/pods/<pod>:<port>/proxy/<path>.
   * `headers` reach the pod (the API server drops only its own Authorization and Impersonate-*).
   */
  podGet(
    namespace: string,
    pod: string,
    port: number,
    path: string,
    headers?: Readonly<Record<string, string>>,
  ): Promise<string>;
  /** The TokenRequest API (serviceaccounts/token create): a token for the service account. */
  createToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string>;
}

export interface TokenRequestSpec {
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
}

/**
 * A failed API call. `message` reads as client-go's error text, which upstream
 * istioctl embeds in its own messages.
 */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    /** HTTP status; 0 when the server was not reached. */
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  get notFound(): boolean {
    return this.status === 404;
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.notFound;
}
