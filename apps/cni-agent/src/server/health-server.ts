// Readiness (`GET /readyz` on :8000, as upstream's chart probes it) and Prometheus metrics
// (`/metrics` on the monitoring port, 15014).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface Listening {
  readonly port: number;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => {
              done();
            });
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** `/readyz` → 200 once `ready()` says so, else 503 with what is missing; `/healthz` → 200 while the process serves. */
export function startReadinessServer(
  port: number,
  ready: () => { ready: boolean; waitingFor: readonly string[] },
  host = '0.0.0.0',
): Promise<Listening> {
  const server = createServer((req, res) => {
    const url = req.url?.split('?')[0];
    if (url === '/readyz') {
      const r = ready();
      if (r.ready) res.writeHead(200, { 'content-type': 'text/plain' }).end('ready\n');
      else
        res
          .writeHead(503, { 'content-type': 'text/plain' })
          .end(`not ready: ${r.waitingFor.join(', ')}\n`);
      return;
    }
    if (url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    res.writeHead(404).end();
  });
  return listen(server, port, host);
}

export function startMetricsServer(
  port: number,
  registry: Registry,
  host = '0.0.0.0',
): Promise<Listening> {
  const server = createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  return listen(server, port, host);
}
