// The waypoint's three small HTTP endpoints, on upstream's ports: readiness
// (:15021 /healthz/ready — the Deployment's probes), Prometheus (:15020
// /stats/prometheus) and the local admin (:15000 /config_dump). Plain
// node:http; each starts on an address and closes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type AdminRoute = (
  req: IncomingMessage,
) => Promise<{ status: number; body: string; type?: string }>;

export class AdminServer {
  readonly #server: Server;

  constructor(routes: Readonly<Record<string, AdminRoute>>) {
    this.#server = createServer((req, res: ServerResponse) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const route = routes[path];
      const answer = route
        ? route(req).catch((err: unknown) => ({ status: 500, body: `${(err as Error).message}\n` }))
        : Promise.resolve({ status: 404, body: 'not found\n' });
      void answer.then((a) => {
        const type = 'type' in a && a.type ? a.type : 'text/plain; charset=utf-8';
        res.writeHead(a.status, {
          'content-type': type,
          'content-length': Buffer.byteLength(a.body),
        });
        res.end(a.body);
      });
    });
  }

  start(addr: { readonly host: string; readonly port: number }): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: addr.host, port: addr.port }, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
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
