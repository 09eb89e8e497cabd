// KubeApi over node:https with the credentials of a @kubernetes/client-node
// KubeConfig. Plain JSON in and out, for every resource alike (core types and
// CRDs): client-node's typed clients turn timestamps into Date objects and
// need middleware for patch content types, which istiod has no use for.

import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  KubeApiError,
  type KubeApi,
  type ListResult,
  type PatchType,
  type Selection,
  type TokenReviewStatus,
  type WatchEvent,
  type WatchOptions,
} from './kube-api.js';
import type { KubeObject } from './objects.js';
import { apiVersionOf, collectionPath, objectPath, type ResourceType } from './resources.js';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

interface RequestSpec {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export class HttpKubeApi implements KubeApi {
  private readonly server: URL;
  private agent: http.Agent | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly userAgent = 'istiod-ambient-ts',
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) {
      throw new Error(
        'the kubeconfig has no current cluster: check KUBECONFIG or the in-cluster env',
      );
    }
    this.server = new URL(cluster.server);
  }

  async list<T extends KubeObject>(
    type: ResourceType,
    selection: Selection = {},
  ): Promise<ListResult<T>> {
    const body = (await this.json({
      method: 'GET',
      path: collectionPath(type, selection.namespace),
      query: selectionQuery(selection),
    })) as {
      items?: T[] | null;
      metadata?: { resourceVersion?: string };
    };
    // List items carry no apiVersion/kind; stamp them so every object reads alike.
    const items = (body.items ?? []).map((item) => ({
      ...item,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
    }));
    return { items, resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  async watch(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent) => void,
  ): Promise<void> {
    const query: Record<string, string> = {
      ...selectionQuery(options),
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: options.resourceVersion,
    };
    if (options.timeoutSeconds !== undefined) query.timeoutSeconds = String(options.timeoutSeconds);
    const path = collectionPath(type, options.namespace);
    const response = await this.send({
      method: 'GET',
      path,
      query,
      ...(options.signal && { signal: options.signal }),
    });
    if ((response.statusCode ?? 0) >= 300) {
      throw await this.errorFrom(response, 'GET', path);
    }
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: response });
      let failed = false;
      lines.on('line', (line) => {
        if (line.trim() === '' || failed) return;
        let event: WatchEvent;
        try {
          event = JSON.parse(line) as WatchEvent;
        } catch {
          failed = true;
          reject(
            new KubeApiError(
              0,
              'BadWatchEvent',
              `unparsable watch event: ${line.slice(0, 200)}`,
              'GET',
              path,
            ),
          );
          response.destroy();
          return;
        }
        try {
          onEvent(event);
        } catch (error) {
          failed = true;
          reject(error instanceof Error ? error : new Error(String(error)));
          response.destroy();
        }
      });
      const onError = (error: Error): void => {
        if (options.signal?.aborted) resolve();
        else reject(new KubeApiError(0, 'WatchBroken', error.message, 'GET', path));
      };
      // readline re-emits its input's errors: both need a listener.
      response.on('error', onError);
      lines.on('error', onError);
      const done = (): void => {
        options.signal?.removeEventListener('abort', stop);
        resolve();
      };
      lines.on('close', done);
      // A destroyed response emits 'close' but never 'end', so readline would not close.
      response.on('close', done);
      // An http.request signal does not end a response already streaming.
      const stop = (): void => {
        response.destroy();
      };
      if (options.signal?.aborted) stop();
      else options.signal?.addEventListener('abort', stop, { once: true });
    });
  }

  async get<T extends KubeObject>(
    type: ResourceType,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    try {
      return (await this.json({ method: 'GET', path: objectPath(type, name, namespace) })) as T;
    } catch (error) {
      if (error instanceof KubeApiError && error.notFound) return undefined;
      throw error;
    }
  }

  async create<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    return (await this.json({
      method: 'POST',
      path: collectionPath(type, obj.metadata.namespace),
      body: { ...obj, apiVersion: apiVersionOf(type), kind: type.kind },
    })) as T;
  }

  async update<T extends KubeObject>(type: ResourceType, obj: T): Promise<T> {
    return (await this.json({
      method: 'PUT',
      path: objectPath(type, obj.metadata.name ?? '', obj.metadata.namespace),
      body: { ...obj, apiVersion: apiVersionOf(type), kind: type.kind },
    })) as T;
  }

  async patch<T extends KubeObject>(
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
  ): Promise<T> {
    const query: Record<string, string> = {};
    if (options.fieldManager) query.fieldManager = options.fieldManager;
    if (options.force) query.force = 'true';
    return (await this.json({
      method: 'PATCH',
      path: objectPath(type, name, namespace, options.subresource),
      query,
      body: patch,
      contentType: PATCH_CONTENT_TYPES[options.patchType],
    })) as T;
  }

  async delete(type: ResourceType, name: string, namespace?: string): Promise<boolean> {
    try {
      await this.json({
        method: 'DELETE',
        path: objectPath(type, name, namespace),
        body: { propagationPolicy: 'Background' },
      });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.notFound) return false;
      throw error;
    }
  }

  async tokenReview(token: string, audiences: readonly string[]): Promise<TokenReviewStatus> {
    const body = (await this.json({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token, audiences },
      },
      timeoutMs: 10_000,
    })) as { status?: TokenReviewStatus };
    return body.status ?? {};
  }

  private async json(spec: RequestSpec): Promise<unknown> {
    const response = await this.send(spec);
    const text = await readAll(response);
    const status = response.statusCode ?? 0;
    if (status >= 300) throw errorFromBody(status, text, spec.method, spec.path);
    return text === '' ? {} : (JSON.parse(text) as unknown);
  }

  private async errorFrom(
    response: http.IncomingMessage,
    method: string,
    path: string,
  ): Promise<KubeApiError> {
    return errorFromBody(response.statusCode ?? 0, await readAll(response), method, path);
  }

  private async send(spec: RequestSpec): Promise<http.IncomingMessage> {
    const options: https.RequestOptions = { headers: {} };
    // Refreshes bearer tokens (in-cluster token files rotate) on every request.
    await this.kubeConfig.applyToHTTPSOptions(options);
    const secure = this.server.protocol === 'https:';
    this.agent ??= secure
      ? new https.Agent({
          keepAlive: true,
          ca: options.ca,
          cert: options.cert,
          key: options.key,
          ...(options.rejectUnauthorized !== undefined && {
            rejectUnauthorized: options.rejectUnauthorized,
          }),
        })
      : new http.Agent({ keepAlive: true });
    const url = new URL(spec.path, this.server);
    for (const [k, v] of Object.entries(spec.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.userAgent,
    };
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      if (typeof v === 'string') headers[k] = v;
    }
    if (options.auth)
      headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    if (payload !== undefined) {
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const requester = secure ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const request = requester(url, {
        method: spec.method,
        headers,
        agent: this.agent,
        ...(spec.signal && { signal: spec.signal }),
        ...(spec.timeoutMs !== undefined && { timeout: spec.timeoutMs }),
      });
      request.on('response', resolve);
      request.on('timeout', () => {
        request.destroy(new Error(`no answer within ${spec.timeoutMs} ms`));
      });
      request.on('error', (error) => {
        reject(new KubeApiError(0, 'Unreachable', error.message, spec.method, spec.path));
      });
      request.end(payload);
    });
  }

  /** Frees pooled connections. */
  close(): void {
    this.agent?.destroy();
  }
}

function selectionQuery(selection: Selection): Record<string, string> {
  const query: Record<string, string> = {};
  if (selection.labelSelector) query.labelSelector = selection.labelSelector;
  if (selection.fieldSelector) query.fieldSelector = selection.fieldSelector;
  return query;
}

function readAll(stream: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    stream.on('error', reject);
  });
}

function errorFromBody(status: number, text: string, method: string, path: string): KubeApiError {
  let reason = http.STATUS_CODES[status] ?? 'Error';
  let message = text.slice(0, 500);
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string };
    if (parsed.reason) reason = parsed.reason;
    if (parsed.message) message = parsed.message;
  } catch {
    // not a metav1.Status; keep the raw text
  }
  return new KubeApiError(status, reason, message, method, path);
}
