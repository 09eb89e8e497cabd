import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from './commands.js';
import { prober } from './prober.js';

const p = prober(runCommand, 'nsenter', 'kube-probe/test');
let server: http.Server;
let port = 0;
let seenUA = '';
let seenHeader = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seenUA = req.headers['user-agent'] ?? '';
    seenHeader = String(req.headers['x-probe'] ?? '');
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
    res.statusCode = req.url === '/ok' ? 200 : req.url === '/redirect' ? 302 : 503;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const http_ = (path: string) => ({
  type: 'http' as const,
  port,
  path,
  scheme: 'HTTP' as const,
  headers: [{ name: 'X-Probe', value: 'yes' }],
});
const target = { podIP: '127.0.0.1', pid: process.pid };

describe('prober on loopback', () => {
  it('treats 2xx and 3xx as success and sends the kube-probe user agent and headers', async () => {
    expect((await p.run(http_('/ok'), target, 1000)).ok).toBe(true);
    expect(seenUA).toBe('kube-probe/test');
    expect(seenHeader).toBe('yes');
    expect((await p.run(http_('/redirect'), target, 1000)).ok).toBe(true);
  });
  it('fails on other status codes, timeouts and refused connections, saying why', async () => {
    expect(await p.run(http_('/bad'), target, 1000)).toEqual({
      ok: false,
      detail: 'HTTP probe failed with statuscode: 503',
    });
    expect((await p.run(http_('/slow'), target, 200)).detail).toContain(
      'context deadline exceeded',
    );
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await p.run({ type: 'tcp', port: closedPort }, target, 500);
    expect(refused.ok).toBe(false);
    expect(refused.detail).toContain(`dial tcp 127.0.0.1:${closedPort}`);
  });
  it('succeeds a TCP probe on a listening port', async () => {
    expect((await p.run({ type: 'tcp', port }, target, 500)).ok).toBe(true);
  });
  it('reports gRPC probes as unsupported rather than passing them', async () => {
    expect(await p.run({ type: 'grpc', port }, target, 500)).toEqual({
      ok: false,
      detail: 'gRPC probes are not supported by netns-kubelet',
    });
  });
});
