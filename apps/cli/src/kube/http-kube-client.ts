// KubeClient over node:http(s) with the credentials of a client-node
// KubeConfig (certificates, tokens, exec plugins). Plain JSON in and out:
// istioctl touches four resources and needs exact control of the apply
// content type and of error texts, which the generated clients obscure.

import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { errorFromResponse, errorFromTransport, type RequestDescription } from './api-errors.js';
import type { KubeClient, ListOptions, TokenRequestSpec } from './kube-client.js';
import type { Gateway, Namespace, Pod } from './objects.js';

const GATEWAY_API = '/apis/gateway.networking.k8s.io/v1';
const GATEWAYS = 'gateways.gateway.networking.k8s.io';

export interface Impersonation {
  readonly user: string;
  readonly uid: string;
  readonly groups: readonly string[];
}

export interface HttpKubeClientOptions {
  /** client-go's rest.Config Timeout: a whole request, connect to last byte. */
  readonly timeoutMs: number;
  readonly userAgent: string;
  readonly impersonate?: Impersonation;
}

interface Call {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** Extra request headers (the pod proxy passes them on to the pod). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly resource?: string;
  readonly name?: string;
}

export class HttpKubeClient implements KubeClient {
  private readonly server: URL;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly options: HttpKubeClientOptions,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig context names no cluster');
    this.server = new URL(cluster.server);
  }

  async getNamespace(name: string): Promise<Namespace> {
    return (await this.json({
      method: 'GET',
      path: `/api/v1/namespaces/${seg(name)}`,
      resource: 'namespaces',
      name,
    })) as Namespace;
  }

  async updateNamespace(namespace: Namespace): Promise<Namespace> {
    const name = namespace.metadata.name ?? '';
    return (await this.json({
      method: 'PUT',
      path: `/api/v1/namespaces/${seg(name)}`,
      body: { apiVersion: 'v1', kind: 'Namespace', ...namespace },
      resource: 'namespaces',
      name,
    })) as Namespace;
  }

  async listGateways(namespace: string | undefined, options: ListOptions = {}): Promise<Gateway[]> {
    const path =
      namespace === undefined
        ? `${GATEWAY_API}/gateways`
        : `${GATEWAY_API}/namespaces/${seg(namespace)}/gateways`;
    const list = (await this.json({
      method: 'GET',
      path,
      query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
      resource: GATEWAYS,
    })) as { items?: Gateway[] | null };
    return (list.items ?? []).map((g) => ({
      ...g,
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
    }));
  }

  async getGateway(namespace: string, name: string): Promise<Gateway> {
    return (await this.json({
      method: 'GET',
      path: `${GATEWAY_API}/namespaces/${seg(namespace)}/gateways/${seg(name)}`,
      resource: GATEWAYS,
      name,
    })) as Gateway;
  }

  async applyGateway(gateway: Gateway, fieldManager: string): Promise<Gateway> {
    const name = gateway.metadata.name ?? '';
    return (await this.json({
      method: 'PATCH',
      path: `${GATEWAY_API}/namespaces/${seg(gateway.metadata.namespace ?? '')}/gateways/${seg(name)}`,
      query: { fieldManager },
      // JSON is YAML, so the apply content type takes it as is.
      contentType: 'application/apply-patch+yaml',
      body: gateway,
      resource: GATEWAYS,
      name,
    })) as Gateway;
  }

  async deleteGateway(namespace: string, name: string): Promise<void> {
    await this.json({
      method: 'DELETE',
      path: `${GATEWAY_API}/namespaces/${seg(namespace)}/gateways/${seg(name)}`,
      resource: GATEWAYS,
      name,
    });
  }

  async listPods(namespace: string, options: ListOptions = {}): Promise<Pod[]> {
    const list = (await this.json({
      method: 'GET',
      path: `/api/v1/namespaces/${seg(namespace)}/pods`,
      query: { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector },
      resource: 'pods',
    })) as { items?: Pod[] | null };
    return list.items ?? [];
  }

  async podGet(
    namespace: string,
    pod: string,
    port: number,
    path: string,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<string> {
    const { text } = await this.call({
      method: 'GET',
      path: `/api/v1/namespaces/${seg(namespace)}/pods/${seg(pod)}:${port}/proxy/${path.replace(/^\//, '')}`,
      headers,
    });
    return text;
  }

  async createToken(
    namespace: string,
    serviceAccount: string,
    spec: TokenRequestSpec,
  ): Promise<string> {
    const answer = (await this.json({
      method: 'POST',
      path: `/api/v1/namespaces/${seg(namespace)}/serviceaccounts/${seg(serviceAccount)}/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: spec.audiences, expirationSeconds: spec.expirationSeconds },
      },
      resource: 'serviceaccounts',
      name: serviceAccount,
    })) as { status?: { token?: string } };
    const token = answer.status?.token;
    if (!token)
      throw new Error(`the TokenRequest for ${namespace}/${serviceAccount} returned no token`);
    return token;
  }

  private async json(call: Call): Promise<unknown> {
    const { text } = await this.call(call);
    return text === '' ? {} : (JSON.parse(text) as unknown);
  }

  private async call(call: Call): Promise<{ text: string }> {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + call.path, this.server);
    for (const [k, v] of Object.entries(call.query ?? {})) {
      if (v !== undefined && v !== '') url.searchParams.set(k, v);
    }
    const description: RequestDescription = {
      method: call.method,
      url: url.toString(),
      ...(call.resource !== undefined && { resource: call.resource }),
      ...(call.name !== undefined && { name: call.name }),
    };
    const tls: https.RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(tls);
    const headers: Record<string, string | string[]> = {
      Accept: 'application/json',
      'User-Agent': this.options.userAgent,
      ...call.headers,
    };
    for (const [k, v] of Object.entries(tls.headers ?? {})) {
      if (typeof v === 'string') headers[k] = v;
    }
    if (tls.auth) headers.Authorization = `Basic ${Buffer.from(tls.auth).toString('base64')}`;
    const who = this.options.impersonate;
    if (who && who.user !== '') {
      headers['Impersonate-User'] = who.user;
      if (who.uid !== '') headers['Impersonate-Uid'] = who.uid;
      if (who.groups.length > 0) headers['Impersonate-Group'] = [...who.groups];
    }
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    if (payload !== undefined) {
      headers['Content-Type'] = call.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    // client-node's agent carries the TLS material and any proxy-url of the kubeconfig.
    const request = (url.protocol === 'https:' ? https.request : http.request)(url, {
      method: call.method,
      headers,
      ...(tls.agent !== undefined && { agent: tls.agent }),
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        request.destroy(Object.assign(new Error('timeout'), { code: 'ClientTimeout' }));
      }, this.options.timeoutMs);
      request.on('error', (error: Error & { code?: string }) => {
        clearTimeout(timer);
        reject(errorFromTransport(error, description));
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('error', (error: Error & { code?: string }) => {
          clearTimeout(timer);
          reject(errorFromTransport(error, description));
        });
        response.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 0;
          if (status >= 300) reject(errorFromResponse(status, text, description));
          else resolve({ text });
        });
      });
      request.end(payload);
    });
  }
}

function seg(s: string): string {
  return encodeURIComponent(s);
}
