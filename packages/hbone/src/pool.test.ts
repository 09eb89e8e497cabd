import { connect as netConnect } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { TcpDialer } from './client-connection.js';
import {
  AbortedError,
  ConnectTimeoutError,
  DialError,
  HandshakeError,
  IdentityMismatchError,
  PoolClosedError,
} from './errors.js';
import { drain } from './test-support/harness.js';
import { rigPerTest } from './test-support/rig-per-test.js';
import { ManualTimers } from './test-support/manual-timers.js';
import { testMesh } from './test-support/pki.js';
import type { HboneTunnel } from './tunnel.js';

const { cleanups, setup } = rigPerTest();

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((res) => setTimeout(res, 5));
}

async function closeTunnel(t: HboneTunnel): Promise<void> {
  const closed = new Promise((res) => t.once('close', res));
  t.resume();
  t.end();
  await closed;
}

describe('HBONE pool: sharing connections', () => {
  it('reuses one connection for tunnels with the same key', async () => {
    const { r, target } = await setup();
    for (let i = 0; i < 3; i++) {
      const t = await r.pool.connect(r.request(target));
      const got = drain(t);
      t.end('abc');
      expect((await got).bytes).toBe(3);
    }
    expect(r.pool.dialCount).toBe(1);
    expect(r.pool.connectionCount).toBe(1);
  });

  it('keeps separate connections per source identity, expected identities and source IP', async () => {
    const { r, target } = await setup();
    const other = await r.mesh.workload('ns-a', 'other-client');
    const extraExpected = await r.mesh.workload('ns-b', 'alias');
    const base = r.request(target);
    const tunnels = await Promise.all([
      r.pool.connect(base),
      r.pool.connect({ ...base, source: other }),
      r.pool.connect({
        ...base,
        destination: {
          ...base.destination,
          expectedIdentities: [r.serverWorkload.identity, extraExpected.identity],
        },
      }),
      r.pool.connect({ ...base, source: { ...r.clientWorkload, ip: '127.0.0.2' } }),
      r.pool.connect(base),
    ]);
    expect(r.pool.dialCount).toBe(4);
    await Promise.all(tunnels.map(closeTunnel));
  });

  it('binds the outbound socket to the source IP', async () => {
    const remotes: string[] = [];
    const { r, target } = await setup({
      authorize: (req) => {
        remotes.push(req.remote.ip);
        return Promise.resolve({ allow: true });
      },
    });
    const t = await r.pool.connect({
      ...r.request(target),
      source: { ...r.clientWorkload, ip: '127.0.0.3' },
    });
    await closeTunnel(t);
    expect(remotes).toEqual(['127.0.0.3']);
  });

  it('dials only once for concurrent first requests with the same key', async () => {
    const { r, target } = await setup();
    const tunnels = await Promise.all(
      Array.from({ length: 20 }, () => r.pool.connect(r.request(target))),
    );
    expect(r.pool.dialCount).toBe(1);
    expect(r.pool.connectionCount).toBe(1);
    await Promise.all(tunnels.map(closeTunnel));
  });

  it('opens another connection beyond 100 concurrent streams', async () => {
    const { r, target } = await setup();
    const first = await Promise.all(
      Array.from({ length: 100 }, () => r.pool.connect(r.request(target))),
    );
    expect(r.pool.dialCount).toBe(1);
    const more = await Promise.all(
      Array.from({ length: 150 }, () => r.pool.connect(r.request(target))),
    );
    expect(r.pool.dialCount).toBe(3);
    expect(r.pool.connectionCount).toBe(3);
    expect(r.server.activeTunnels).toBe(250);
    await Promise.all([...first, ...more].map(closeTunnel));
  });

  it('caps streams per connection by the server’s SETTINGS_MAX_CONCURRENT_STREAMS', async () => {
    const { r, target } = await setup({ serverSettings: { serverMaxConcurrentStreams: 5 } });
    const tunnels = await Promise.all(
      Array.from({ length: 12 }, () => r.pool.connect(r.request(target))),
    );
    expect(r.pool.dialCount).toBe(3);
    await Promise.all(tunnels.map(closeTunnel));
  });

  it('puts a full connection back to use once its streams finish', async () => {
    const { r, target } = await setup({ serverSettings: { serverMaxConcurrentStreams: 2 } });
    const [a, b] = await Promise.all([
      r.pool.connect(r.request(target)),
      r.pool.connect(r.request(target)),
    ]);
    await Promise.all([closeTunnel(a), closeTunnel(b)]);
    await closeTunnel(await r.pool.connect(r.request(target)));
    expect(r.pool.dialCount).toBe(1);
  });
});

describe('HBONE pool: idle release', () => {
  // PINGs are pushed far out so the manual clock only drives the idle timer.
  const settings = { pingIntervalMs: 3_600_000, pingTimeoutMs: 3_600_000 };

  it('closes a connection that carried no stream for 5 minutes, then dials anew', async () => {
    const timers = new ManualTimers();
    const { r, target } = await setup({ pool: { timers, settings } });
    await closeTunnel(await r.pool.connect(r.request(target)));
    timers.advance(5 * 60_000 - 1);
    expect(r.pool.connectionCount).toBe(1);
    timers.advance(1);
    await until(() => r.pool.connectionCount === 0);
    await closeTunnel(await r.pool.connect(r.request(target)));
    expect(r.pool.dialCount).toBe(2);
  });

  it('never releases a connection while a tunnel is open on it', async () => {
    const timers = new ManualTimers();
    const { r, target } = await setup({ pool: { timers, settings } });
    const t = await r.pool.connect(r.request(target));
    timers.advance(60 * 60_000);
    const got = drain(t);
    t.end('still open');
    expect((await got).bytes).toBe(10);
    expect(r.pool.connectionCount).toBe(1);
  });
});

describe('HBONE pool: identity and handshake failures', () => {
  it('refuses a destination whose certificate lacks every expected identity, and does not keep it', async () => {
    let authorized = 0;
    const { r, target } = await setup({
      authorize: () => {
        authorized++;
        return Promise.resolve({ allow: true });
      },
    });
    const impostorExpected = (await r.mesh.workload('ns-b', 'someone-else')).identity;
    const req = r.request(target);
    const err = await r.pool
      .connect({
        ...req,
        destination: { ...req.destination, expectedIdentities: [impostorExpected] },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdentityMismatchError);
    expect((err as IdentityMismatchError).presented).toEqual([r.serverWorkload.identity.uri]);
    expect((err as IdentityMismatchError).expected).toEqual([impostorExpected.uri]);
    expect(r.pool.connectionCount).toBe(0);
    expect(authorized).toBe(0);
    await closeTunnel(await r.pool.connect(req));
    expect(r.pool.dialCount).toBe(2);
  });

  it('refuses a server whose certificate comes from another CA', async () => {
    const { r, target } = await setup();
    const otherMesh = await testMesh();
    const foreignServer = await otherMesh.workload('ns-b', 'server');
    const { createHboneServer } = await import('./server.js');
    const s = createHboneServer({
      identity: foreignServer,
      trustBundle: [...foreignServer.trustBundle.pems, ...r.clientWorkload.trustBundle.pems],
      authorize: () => Promise.resolve({ allow: true }),
      dial: () => Promise.reject(new Error('unused')),
    });
    const addr = await s.start({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => s.close());
    const err = await r.pool
      .connect({
        ...r.request(target),
        destination: {
          address: `127.0.0.1:${addr.port}`,
          expectedIdentities: [foreignServer.identity],
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    expect((err as Error).message).toMatch(/certificate/i);
  });

  it('sends no SNI and never resumes a TLS session', async () => {
    const { r } = await setup();
    const seen: { servername: string | false | null; reused: boolean }[] = [];
    const w = r.serverWorkload;
    const tlsServer = createTlsServer({
      cert: w.certChainPem.join('\n'),
      key: w.keyPem,
      ALPNProtocols: ['h2'],
      minVersion: 'TLSv1.3',
    });
    tlsServer.on('secureConnection', (s: TLSSocket) => {
      seen.push({ servername: s.servername, reused: s.isSessionReused() });
      // Let the client read the session tickets first, then hang up without HTTP/2.
      setTimeout(() => s.destroy(), 20);
    });
    await new Promise<void>((res) => tlsServer.listen(0, '127.0.0.1', res));
    cleanups.push(() => new Promise((res) => tlsServer.close(res)));
    const port = (tlsServer.address() as { port: number }).port;
    for (let i = 0; i < 2; i++) {
      await expect(
        r.pool.connect({
          ...r.request('127.0.0.1:1'),
          destination: { address: `127.0.0.1:${port}`, expectedIdentities: [w.identity] },
        }),
      ).rejects.toBeInstanceOf(HandshakeError);
    }
    expect(seen).toEqual([
      { servername: false, reused: false },
      { servername: false, reused: false },
    ]);
  });
});

describe('HBONE pool: dialling', () => {
  it('times out a dial after connectTimeoutMs with a hint about port 15008', async () => {
    const timers = new ManualTimers();
    let dialled!: () => void;
    const started = new Promise<void>((res) => (dialled = res));
    const hanging: TcpDialer = (_dst, { signal }) =>
      new Promise<Duplex>((_res, reject) => {
        dialled();
        signal.addEventListener('abort', () => {
          reject(signal.reason as Error);
        });
      });
    const { r, target } = await setup({ pool: { timers, dialer: hanging } });
    const pending = r.pool.connect(r.request(target)).catch((e: unknown) => e);
    await started;
    timers.advance(10_000);
    const err = await pending;
    expect(err).toBeInstanceOf(ConnectTimeoutError);
    expect((err as Error).message).toMatch(/NetworkPolicy is blocking HBONE port 15008/);
  });

  it('shares a failed dial with every waiter, then dials again for the next request', async () => {
    let calls = 0;
    const flaky: TcpDialer = (dst) => {
      calls++;
      if (calls === 1) return Promise.reject(new Error('ECONNREFUSED'));
      return new Promise((resolve, reject) => {
        const s = netConnect({ host: dst.ip, port: dst.port });
        s.once('connect', () => {
          resolve(s);
        });
        s.once('error', reject);
      });
    };
    const { r, target } = await setup({ pool: { dialer: flaky } });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => r.pool.connect(r.request(target))),
    );
    expect(results.every((x) => x.status === 'rejected' && x.reason instanceof DialError)).toBe(
      true,
    );
    expect(calls).toBe(1);
    await closeTunnel(await r.pool.connect(r.request(target)));
    expect(calls).toBe(2);
  });

  it('abandons a pending connect when its signal aborts', async () => {
    const hanging: TcpDialer = () => new Promise<Duplex>(() => undefined);
    const { r, target } = await setup({ pool: { dialer: hanging } });
    const ac = new AbortController();
    const pending = r.pool.connect(r.request(target, { signal: ac.signal }));
    ac.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });

  it('refuses new tunnels once closed', async () => {
    const { r, target } = await setup();
    await closeTunnel(await r.pool.connect(r.request(target)));
    await r.pool.close();
    expect(r.pool.connectionCount).toBe(0);
    await expect(r.pool.connect(r.request(target))).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('drops a connection the server closed instead of reusing it', async () => {
    const { r, target } = await setup();
    await closeTunnel(await r.pool.connect(r.request(target)));
    expect(r.pool.connectionCount).toBe(1);
    await r.server.close();
    await until(() => r.pool.connectionCount === 0);
    await expect(r.pool.connect(r.request(target))).rejects.toBeInstanceOf(DialError);
    expect(r.pool.dialCount).toBe(2);
  });
});
