import http2, { type ServerHttp2Session } from 'node:http2';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { echo, rig, tcpUpstream, type Rig, type Upstream } from './test-support/harness.js';

const MiB = 1024 * 1024;
let r: Rig | undefined;
let up: Upstream | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  await r?.close();
  for (const c of cleanups.splice(0)) await c();
  await up?.close();
  r = undefined;
  up = undefined;
});

function pinged(session: http2.Http2Session): Promise<void> {
  // A PING ack proves every frame the peer sent before it has been processed.
  return new Promise((resolve, reject) => {
    session.ping((err) => {
      if (err) reject(err);
      else resolve();
    });
  });
}

describe('HTTP/2 settings on the wire', () => {
  it('the server advertises upstream’s SETTINGS and a 16 MiB connection window', async () => {
    r = await rig();
    const c = r.clientWorkload;
    const session = http2.connect(`https://${r.address}`, {
      cert: c.certChainPem.join('\n'),
      key: c.keyPem,
      ca: [...c.trustBundle.pems],
      checkServerIdentity: () => undefined,
    });
    cleanups.push(() => {
      session.destroy();
    });
    await new Promise((res) => session.once('remoteSettings', res));
    await pinged(session);
    expect(session.remoteSettings).toMatchObject({
      initialWindowSize: 4 * MiB,
      maxFrameSize: 1 * MiB,
      maxConcurrentStreams: 200,
      maxHeaderListSize: 64 * 1024,
      enablePush: false,
    });
    expect(session.state.remoteWindowSize).toBe(16 * MiB);
  });

  it('the pool advertises upstream’s client SETTINGS and a 16 MiB connection window', async () => {
    up = await tcpUpstream(echo);
    r = await rig();
    const w = r.serverWorkload;
    const seen = new Promise<{ settings: http2.Settings; window: number }>((resolve) => {
      const h2 = http2.createServer();
      // The pool sends its CONNECT only once its connection is fully set up,
      // so by then its SETTINGS and WINDOW_UPDATE have been sent.
      h2.on('stream', (s) => {
        const session = s.session as ServerHttp2Session;
        void pinged(session).then(() => {
          resolve({
            settings: session.remoteSettings,
            window: session.state.remoteWindowSize ?? 0,
          });
          s.respond({ ':status': 503 }, { endStream: true });
        });
      });
      const tlsServer = createTlsServer(
        {
          cert: w.certChainPem.join('\n'),
          key: w.keyPem,
          ca: [...w.trustBundle.pems],
          requestCert: true,
          ALPNProtocols: ['h2'],
        },
        (socket: TLSSocket) => h2.emit('connection', socket),
      );
      tlsServer.listen(0, '127.0.0.1', () => {
        const port = (tlsServer.address() as { port: number }).port;
        cleanups.push(() => new Promise((res) => tlsServer.close(res)));
        void r!.pool
          .connect({
            ...r!.request('127.0.0.1:1'),
            destination: { address: `127.0.0.1:${port}`, expectedIdentities: [w.identity] },
          })
          .catch(() => undefined);
      });
    });
    const { settings, window } = await seen;
    expect(settings).toMatchObject({
      initialWindowSize: 4 * MiB,
      maxFrameSize: 1 * MiB,
      maxHeaderListSize: 16 * 1024,
      enablePush: false,
    });
    expect(window).toBe(16 * MiB);
  });
});
