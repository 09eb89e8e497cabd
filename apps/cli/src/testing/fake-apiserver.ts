// An in-process stand-in for the few kube-apiserver endpoints istioctl
// calls: namespaces (get, update), Gateway API gateways (list, get, apply,
// delete), pods (list), service-account tokens (TokenRequest) and the pod
// proxy, where istiod's /debug/ answers 401 unless the request carries a token
// this server issued for the pod's namespace. It speaks the real JSON API over
// HTTP on 127.0.0.1, insists on the kubeconfig's bearer token, answers a
// missing Gateway CRD the way the real server does (a plain-text 404), and
// records every request for assertions.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gateway, Namespace, Pod } from '../kube/objects.js';

export const FAKE_TOKEN = 'fake-apiserver-token';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
}

export interface FakeApiServerOptions {
  /** false: every Gateway API path answers 404 as for an unknown API group. */
  gatewayCrds?: boolean;
}

const GATEWAYS =
  /^\/apis\/gateway\.networking\.k8s\.io\/v1(?:\/namespaces\/([^/]+))?\/gateways(?:\/([^/]+))?$/;
const NAMESPACE = /^\/api\/v1\/namespaces\/([^/]+)$/;
const PODS = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/;
const TOKEN_REQUEST = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/;
const POD_PROXY = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/:]+):(\d+)\/proxy\/(.*)$/;

export class FakeApiServer {
  readonly namespaces = new Map<string, Namespace>();
  readonly gateways = new Map<string, Gateway>();
  readonly pods: Pod[] = [];
  /** `<ns>/<pod>:<port>/<path>` → body, or an HTTP status to fail with. */
  readonly podEndpoints = new Map<string, string | number>();
  readonly requests: RecordedRequest[] = [];
  /** Tokens handed out by TokenRequest: token → who and for what. */
  readonly issuedTokens = new Map<
    string,
    { namespace: string; serviceAccount: string; audiences: string[]; expirationSeconds: number }
  >();
  /** false: the pod proxy's /debug/ paths answer without a token (an old istiod). */
  debugNeedsToken = true;
  /** Called on every gateway GET, e.g. to make it Programmed after a few looks. */
  onGetGateway: ((gateway: Gateway, gets: number) => Gateway) | undefined;
  /** Names whose DELETE fails with this status. */
  readonly deleteFailures = new Map<string, number>();
  gatewayCrds: boolean;
  /** Answers only after this long (client timeouts). */
  delayMs = 0;
  private readonly server = http.createServer((req, res) => {
    this.handle(req, res);
  });
  private gets = 0;
  private version = 1;

  constructor(options: FakeApiServerOptions = {}) {
    this.gatewayCrds = options.gatewayCrds ?? true;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  addNamespace(name: string, labels: Record<string, string> = {}): void {
    this.namespaces.set(name, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        labels: { 'kubernetes.io/metadata.name': name, ...labels },
        resourceVersion: this.nextVersion(),
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  addGateway(gateway: Gateway): void {
    const key = `${gateway.metadata.namespace ?? ''}/${gateway.metadata.name ?? ''}`;
    this.gateways.set(key, structuredClone(gateway));
  }

  requestsTo(method: string, pathPattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.path));
  }

  private nextVersion(): string {
    this.version += 1;
    return String(this.version);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const record: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        contentType: req.headers['content-type'],
        headers: req.headers,
        body,
      };
      this.requests.push(record);
      setTimeout(() => {
        if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}`) {
          status(res, 401, 'Unauthorized', 'Unauthorized');
          return;
        }
        this.route(record, res);
      }, this.delayMs);
    });
  }

  private route(r: RecordedRequest, res: http.ServerResponse): void {
    let m = GATEWAYS.exec(r.path);
    if (m) {
      if (!this.gatewayCrds) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('404 page not found\n');
        return;
      }
      this.gatewayRoute(r, res, m[1], m[2]);
      return;
    }
    m = TOKEN_REQUEST.exec(r.path);
    if (m && r.method === 'POST') {
      const spec = (r.body as { spec?: { audiences?: string[]; expirationSeconds?: number } })
        ?.spec;
      const token = `issued-token-${this.issuedTokens.size + 1}`;
      this.issuedTokens.set(token, {
        namespace: m[1] ?? '',
        serviceAccount: m[2] ?? '',
        audiences: spec?.audiences ?? [],
        expirationSeconds: spec?.expirationSeconds ?? 3600,
      });
      json(res, 201, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: spec ?? {},
        status: { token, expirationTimestamp: '2030-01-01T00:00:00Z' },
      });
      return;
    }
    m = POD_PROXY.exec(r.path);
    if (m && r.method === 'GET' && m[4]?.startsWith('debug/') && this.debugNeedsToken) {
      // As istiod does: a TokenReview-valid istio-ca token of its own namespace.
      const header = r.headers['x-istio-debug-authorization'];
      const issued = this.issuedTokens.get(
        typeof header === 'string' ? header.replace(/^Bearer /, '') : '',
      );
      if (
        issued === undefined ||
        issued.namespace !== m[1] ||
        !issued.audiences.includes('istio-ca')
      ) {
        res.writeHead(401, { 'Content-Type': 'text/plain' });
        res.end('unauthorized\n');
        return;
      }
    }
    if (m && r.method === 'GET') {
      const answer = this.podEndpoints.get(
        `${m[1] ?? ''}/${m[2] ?? ''}:${m[3] ?? ''}/${m[4] ?? ''}`,
      );
      if (answer === undefined)
        status(
          res,
          503,
          'ServiceUnavailable',
          'error trying to reach service: dial tcp: connection refused',
        );
      else if (typeof answer === 'number')
        status(res, answer, 'InternalError', `proxy answered ${answer}`);
      else {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(answer);
      }
      return;
    }
    m = PODS.exec(r.path);
    if (m && r.method === 'GET') {
      const ns = m[1] ?? '';
      const items = this.pods.filter(
        (p) =>
          p.metadata.namespace === ns &&
          matchesLabels(p.metadata.labels ?? {}, r.query.labelSelector) &&
          (r.query.fieldSelector !== 'status.phase=Running' || p.status?.phase === 'Running'),
      );
      json(res, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.version) },
        items,
      });
      return;
    }
    m = NAMESPACE.exec(r.path);
    if (m) {
      this.namespaceRoute(r, res, m[1] ?? '');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('404 page not found\n');
  }

  private namespaceRoute(r: RecordedRequest, res: http.ServerResponse, name: string): void {
    const current = this.namespaces.get(name);
    if (!current) {
      status(res, 404, 'NotFound', `namespaces "${name}" not found`);
      return;
    }
    if (r.method === 'GET') {
      json(res, 200, current);
      return;
    }
    if (r.method === 'PUT') {
      const incoming = r.body as Namespace;
      if (incoming.metadata.resourceVersion !== current.metadata.resourceVersion) {
        status(
          res,
          409,
          'Conflict',
          `Operation cannot be fulfilled on namespaces "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
        return;
      }
      const updated = {
        ...incoming,
        metadata: { ...incoming.metadata, resourceVersion: this.nextVersion() },
      };
      this.namespaces.set(name, updated);
      json(res, 200, updated);
      return;
    }
    status(
      res,
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  }

  private gatewayRoute(
    r: RecordedRequest,
    res: http.ServerResponse,
    ns: string | undefined,
    name: string | undefined,
  ): void {
    if (name === undefined) {
      if (r.method !== 'GET') {
        status(
          res,
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
        return;
      }
      const items = [...this.gateways.values()]
        .filter((g) => ns === undefined || g.metadata.namespace === ns)
        .filter((g) => matchesLabels(g.metadata.labels ?? {}, r.query.labelSelector))
        // etcd returns objects in key order: namespace, then name.
        .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
        // Lists carry no apiVersion/kind per item, as the real server's.
        .map((g) => {
          const item: Partial<Gateway> = { ...g };
          delete item.apiVersion;
          delete item.kind;
          return item;
        });
      json(res, 200, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GatewayList',
        metadata: { resourceVersion: String(this.version) },
        items,
      });
      return;
    }
    const key = `${ns ?? ''}/${name}`;
    const current = this.gateways.get(key);
    const notFound = (): void => {
      status(res, 404, 'NotFound', `gateways.gateway.networking.k8s.io "${name}" not found`);
    };
    switch (r.method) {
      case 'GET': {
        if (!current) {
          notFound();
          return;
        }
        this.gets += 1;
        const shown = this.onGetGateway
          ? this.onGetGateway(structuredClone(current), this.gets)
          : current;
        this.gateways.set(key, shown);
        json(res, 200, shown);
        return;
      }
      case 'PATCH': {
        if (r.contentType !== 'application/apply-patch+yaml' || !r.query.fieldManager) {
          status(res, 400, 'BadRequest', 'fieldManager and the apply content type are required');
          return;
        }
        const patch = r.body as Gateway;
        const merged: Gateway = {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'Gateway',
          metadata: {
            ...(current?.metadata ?? { uid: `uid-${name}`, generation: 1 }),
            ...patch.metadata,
            resourceVersion: this.nextVersion(),
          },
          spec: patch.spec,
          ...(current?.status && { status: current.status }),
        };
        this.gateways.set(key, merged);
        json(res, current ? 200 : 201, merged);
        return;
      }
      case 'DELETE': {
        if (!current) {
          notFound();
          return;
        }
        const failure = this.deleteFailures.get(name);
        if (failure !== undefined) {
          status(res, failure, 'InternalError', `Internal error occurred: cannot delete ${name}`);
          return;
        }
        this.gateways.delete(key);
        json(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Success',
          details: { name, kind: 'gateways' },
        });
        return;
      }
      default:
        status(
          res,
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
    }
  }
}

function keyOf(gateway: Gateway): string {
  return `${gateway.metadata.namespace ?? ''}/${gateway.metadata.name ?? ''}`;
}

/** Equality selectors only (`a=b,c=d`), which is all istioctl sends. */
function matchesLabels(labels: Record<string, string>, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return labels[key ?? ''] === value;
  });
}

function json(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}
