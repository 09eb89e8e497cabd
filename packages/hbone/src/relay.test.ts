import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { relay } from './relay.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((res) => s.close(res))));
});

/** A connected socket pair over loopback: [client side, server side]. */
async function pair(): Promise<[Socket, Socket]> {
  const accepted = new Promise<Socket>((resolve) => {
    const server = createServer({ allowHalfOpen: true }, resolve);
    servers.push(server);
    server.listen(0, '127.0.0.1');
  });
  await new Promise((res) => servers.at(-1)!.once('listening', res));
  const port = (servers.at(-1)!.address() as AddressInfo).port;
  const client = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  return [client, await accepted];
}

function collect(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (text += c));
    s.once('end', () => {
      resolve(text);
    });
  });
}

describe('relay between two sockets', () => {
  it('copies both directions to completion, forwarding each half-close, and counts bytes', async () => {
    // app ⇄ [a | relay | b] ⇄ peer
    const [app, a] = await pair();
    const [b, peer] = await pair();
    const r = relay(a, b);
    const atPeer = collect(peer);
    const atApp = collect(app);
    app.end('request'); // FIN first from the app side
    expect(await atPeer).toBe('request');
    peer.end('response after the FIN'); // the reverse direction is still open
    expect(await atApp).toBe('response after the FIN');
    expect(await r.done).toEqual({ aToB: 7, bToA: 22 });
  });

  it('turns a reset on one side into a reset on the other and reports it', async () => {
    const [app, a] = await pair();
    const [b, peer] = await pair();
    const r = relay(a, b);
    const peerOutcome = new Promise<string>((resolve) => {
      peer.on('error', (e: NodeJS.ErrnoException) => {
        resolve(e.code ?? 'error');
      });
      peer.on('end', () => {
        resolve('fin');
      });
      peer.resume();
    });
    app.write('x');
    await new Promise((res) => peer.once('data', res));
    app.resetAndDestroy();
    expect(await peerOutcome).toBe('ECONNRESET');
    const stats = await r.done;
    expect(stats.error).toBeInstanceOf(Error);
    expect(stats.aToB).toBe(1);
  });

  it('stops reading a side whose destination is not draining', async () => {
    const [app, a] = await pair();
    const [b, peer] = await pair();
    peer.pause(); // never reads
    const r = relay(a, b);
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 64; i++) app.write(block);
    // Settle: the kernel buffers fill, then the relay must stop pulling from `a`.
    let last = -1;
    for (let stable = 0; stable < 5;) {
      await new Promise((res) => setTimeout(res, 20));
      stable = r.stats.aToB === last ? stable + 1 : 0;
      last = r.stats.aToB;
    }
    expect(b.writableLength).toBeLessThanOrEqual(b.writableHighWaterMark + block.length);
    expect(r.stats.aToB).toBeLessThan(64 * block.length);
    r.abort();
    app.destroy();
    peer.destroy();
  });
});
