import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getRequest, KeepAliveClient } from './keep-alive-client.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A raw server answering each request with `reply(n)` (n counts requests per connection). */
async function rawServer(reply: (n: number, socket: Socket) => string): Promise<{
  port: number;
  connections: () => number;
}> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    let n = 0;
    socket.on('data', (d: Buffer) => {
      const requests = d.toString('latin1').split('\r\n\r\n').length - 1;
      for (let i = 0; i < requests; i++) {
        const out = reply(++n, socket);
        if (out) socket.write(out);
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

const ok = (body: string, extra = ''): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

describe('keep-alive HTTP/1.1 client over any byte stream', () => {
  it('writes a GET with the given fields', () => {
    expect(getRequest('/a', { host: 'h:1', 'x-b': 'c' }).toString()).toBe(
      'GET /a HTTP/1.1\r\nhost: h:1\r\nx-b: c\r\n\r\n',
    );
  });

  it('sends every request on one connection', async () => {
    const srv = await rawServer((n) => ok(`r${n}`));
    const client = new KeepAliveClient(
      () => Promise.resolve(connect(srv.port, '127.0.0.1')),
      getRequest('/', { host: 'x' }),
    );
    const bodies: string[] = [];
    for (let i = 0; i < 5; i++) bodies.push((await client.send()).body.toString());
    client.close();
    expect(bodies).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(srv.connections()).toBe(1);
    expect(client.reconnects).toBe(0);
  });

  it('opens a new connection after Connection: close and counts it', async () => {
    const srv = await rawServer((n, socket) => {
      if (n === 1) {
        socket.end(ok('bye', 'Connection: close\r\n'));
        return '';
      }
      return ok('again');
    });
    const client = new KeepAliveClient(
      () => Promise.resolve(connect(srv.port, '127.0.0.1')),
      getRequest('/', {}),
    );
    expect((await client.send()).keepAlive).toBe(false);
    expect((await client.send()).body.toString()).toBe('bye');
    client.close();
    expect(client.reconnects).toBe(1);
    expect(srv.connections()).toBe(2);
  });

  it('fails the request when the connection closes before the response is complete', async () => {
    const srv = await rawServer((_n, socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort');
      return '';
    });
    const client = new KeepAliveClient(
      () => Promise.resolve(connect(srv.port, '127.0.0.1')),
      getRequest('/', {}),
    );
    await expect(client.send()).rejects.toThrow(/closed before the response was complete/);
  });
});
