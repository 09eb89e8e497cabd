// The three node-level HTTP endpoints: admin (localhost:15000: /config_dump,
// /logging, /quitquitquit), metrics (:15020 /metrics, /stats/prometheus) and
// readiness (:15021 /healthz/ready). Plain node:http; each start()s on an
// address and close()s.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { LogManager } from '../telemetry/logging.js';
import type { Readiness } from './readiness.js';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export class HttpEndpoint {
  readonly #server: Server;

  constructor(routes: Readonly<Record<string, Handler>>) {
    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const handler = routes[url.pathname];
      if (!handler) {
        send(res, 404, 'not found\n');
        return;
      }
      Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, `${(err as Error).message}\n`);
        else res.destroy();
      });
    });
    this.#server.keepAliveTimeout = 5000;
  }

  start(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host, port }, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  address(): AddressInfo | undefined {
    const a = this.#server.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      this.#server.closeAllConnections();
    });
  }
}

export function readinessEndpoint(readiness: Readiness): HttpEndpoint {
  return new HttpEndpoint({
    '/healthz/ready': (req, res) => {
      if (req.method !== 'GET') {
        send(res, 405, 'method not allowed\n');
        return;
      }
      if (readiness.ready) send(res, 200, 'ready\n');
      else send(res, 500, `not ready, pending: ${readiness.pending().join(', ')}\n`);
    },
  });
}

export function metricsEndpoint(registry: Registry): HttpEndpoint {
  const handler: Handler = async (_req, res) => {
    send(res, 200, await registry.metrics(), registry.contentType);
  };
  return new HttpEndpoint({ '/metrics': handler, '/stats/prometheus': handler });
}

export interface AdminOptions {
  readonly configDump: () => unknown;
  readonly logs: LogManager;
  /** Starts a graceful shutdown (POST /quitquitquit). */
  readonly quit: () => void;
}

export function adminEndpoint(o: AdminOptions): HttpEndpoint {
  return new HttpEndpoint({
    '/': (_req, res) => {
      send(res, 200, ['/config_dump', '/logging', '/quitquitquit'].join('\n') + '\n');
    },
    '/config_dump': (_req, res) => {
      send(res, 200, JSON.stringify(o.configDump(), null, 2) + '\n', 'application/json');
    },
    '/logging': (req, res, url) => {
      if (req.method === 'POST') {
        if (url.searchParams.has('reset')) o.logs.reset();
        const level = url.searchParams.get('level');
        if (level !== null) {
          try {
            o.logs.apply(level);
          } catch (err) {
            send(res, 400, `${(err as Error).message}\n`);
            return;
          }
        }
      } else if (req.method !== 'GET') {
        send(res, 405, 'method not allowed\n');
        return;
      }
      send(res, 200, `current log level is ${o.logs.directives}\n`);
    },
    '/quitquitquit': (req, res) => {
      if (req.method !== 'POST') {
        send(res, 405, 'method not allowed\n');
        return;
      }
      send(res, 200, 'shutdown now\n');
      o.quit();
    },
  });
}
