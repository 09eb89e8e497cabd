import http2 from 'node:http2';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConnectStatusError, HboneConfigError, HboneError } from './errors.js';
import type { AuthorizeDecision, InboundRequest } from './server.js';
import { dialTarget, echo, sharedMesh, tcpUpstream } from './test-support/harness.js';
import { echoOnce, rigPerTest } from './test-support/rig-per-test.js';

const { cleanups, setup } = rigPerTest();

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

describe('HBONE server: answering CONNECT', () => {
  it('answers 200 only after authorization passed and the upstream connection is up', async () => {
    const dialStarted = deferred<true>();
    const upstreamReady = deferred<true>();
    const events: string[] = [];
    const { r, target } = await setup({
      authorize: () => {
        events.push('authorize');
        return Promise.resolve({ allow: true });
      },
      dial: async (req, signal) => {
        events.push('dial');
        dialStarted.resolve(true);
        await upstreamReady.promise;
        const s = await dialTarget(req, signal);
        events.push('upstream up');
        return s;
      },
    });
    let answered = false;
    const pending = r.pool.connect(r.request(target)).then((t) => {
      events.push('200');
      answered = true;
      return t;
    });
    await dialStarted.promise;
    await new Promise((res) => setImmediate(res));
    expect(answered).toBe(false);
    upstreamReady.resolve(true);
    const tunnel = await pending;
    expect(events).toEqual(['authorize', 'dial', 'upstream up', '200']);
    expect(await echoOnce(tunnel, 'ok')).toBe(2);
  });

  it('gives the hooks the verified client identity, the parsed target, the headers and the TCP peer', async () => {
    const seen: InboundRequest[] = [];
    const { r, target, up } = await setup({
      authorize: (req) => {
        seen.push(req);
        return Promise.resolve({
          allow: true,
          responseHeaders: { baggage: 'k8s.namespace.name=ns-b' },
        });
      },
    });
    const tunnel = await r.pool.connect(
      r.request(target, {
        headers: {
          baggage: { namespace: 'ns-a', canonicalName: 'client' },
          forwardedFor: '10.9.9.9:1234',
          serviceHost: 'echo.ns-b.svc.cluster.local',
        },
      }),
    );
    expect(tunnel.responseHeaders.baggage).toBe('k8s.namespace.name=ns-b');
    await echoOnce(tunnel, 'x');
    const req = seen[0]!;
    expect(req.peer.uri).toBe('spiffe://cluster.local/ns/ns-a/sa/client');
    expect(req.target).toMatchObject({ ip: '127.0.0.1', port: up.port, family: 4 });
    expect(req.headers.baggage).toBe('k8s.namespace.name=ns-a,service.name=client');
    expect(req.headers.forwarded).toBe('for="10.9.9.9:1234";host=echo.ns-b.svc.cluster.local');
    expect(req.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(req.remote.ip).toBe('127.0.0.1');
    expect(req.local.port).toBe(Number(r.address.split(':')[1]));
  });

  it('answers 401 when the authorize hook denies, without dialling', async () => {
    let dialled = false;
    const { r, target } = await setup({
      authorize: () => Promise.resolve({ allow: false, reason: 'policy deny-all' }),
      dial: (req, signal) => {
        dialled = true;
        return dialTarget(req, signal);
      },
    });
    const err = await r.pool.connect(r.request(target)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectStatusError);
    expect((err as ConnectStatusError).status).toBe(401);
    expect((err as Error).message).toMatch(/authorization policy/);
    expect(dialled).toBe(false);
  });

  it.each<[AuthorizeDecision, number]>([
    [{ allow: false, status: 400, reason: 'ip mismatch' }, 400],
    [{ allow: false, status: 503, reason: 'unknown workload' }, 503],
  ])('answers the status a denial chooses (%j)', async (decision, status) => {
    const { r, target } = await setup({ authorize: () => Promise.resolve(decision) });
    await expect(r.pool.connect(r.request(target))).rejects.toMatchObject({ status });
  });

  it('answers 503 when the authorize hook throws', async () => {
    const { r, target } = await setup({
      authorize: () => Promise.reject(new Error('state not ready')),
    });
    await expect(r.pool.connect(r.request(target))).rejects.toMatchObject({ status: 503 });
  });

  it('answers 503 when the upstream is unreachable, and the connection stays usable', async () => {
    const { r, target } = await setup();
    const closed = await tcpUpstream(echo);
    const deadPort = closed.port;
    await closed.close();
    await expect(r.pool.connect(r.request(`127.0.0.1:${deadPort}`))).rejects.toMatchObject({
      status: 503,
      code: 'CONNECT_STATUS',
    });
    const tunnel = await r.pool.connect(r.request(target));
    expect(await echoOnce(tunnel, 'still here')).toBe(10);
    expect(r.pool.dialCount).toBe(1);
  });
});

describe('HBONE server: lifecycle', () => {
  it('serves a rotated certificate to new connections while old ones keep working', async () => {
    const { r, target } = await setup();
    const first = await r.pool.connect(r.request(target));
    const renewed = await r.mesh.workload('ns-b', 'server');
    r.server.rotate(renewed);

    const seen: string[] = [];
    const session = http2.connect(`https://${r.address}`, {
      cert: r.clientWorkload.certChainPem.join('\n'),
      key: r.clientWorkload.keyPem,
      ca: [...r.clientWorkload.trustBundle.pems],
      checkServerIdentity: (_host, cert) => {
        seen.push(cert.serialNumber.toUpperCase());
        return undefined;
      },
    });
    cleanups.push(() => {
      session.destroy();
    });
    await new Promise((res) => session.once('remoteSettings', res));
    expect(seen).toEqual([
      new X509Certificate(renewed.certChainPem[0]!).serialNumber.toUpperCase(),
    ]);
    expect(await echoOnce(first, 'old connection')).toBe(14);
  });

  it('refuses to rotate to a certificate of another trust domain', async () => {
    const { r } = await setup();
    const foreign = await (await sharedMesh()).workload('ns-b', 'server', 'other.domain');
    expect(() => {
      r.server.rotate(foreign);
    }).toThrow(HboneConfigError);
  });

  it('close() lets an open tunnel finish, then refuses new connections', async () => {
    const { r, target } = await setup({ serverSettings: { drainTimeoutMs: 60_000 } });
    const tunnel = await r.pool.connect(r.request(target));
    const closing = r.server.close();
    expect(await echoOnce(tunnel, 'drained')).toBe(7);
    await closing;
    await expect(r.pool.connect(r.request(target))).rejects.toBeInstanceOf(HboneError);
  });

  it('close() resets tunnels that outlive the drain timeout', async () => {
    const { r, target } = await setup({ serverSettings: { drainTimeoutMs: 1 } });
    const tunnel = await r.pool.connect(r.request(target));
    const ended = new Promise<Error | undefined>((res) => {
      tunnel.on('error', (e) => {
        res(e);
      });
      tunnel.on('close', () => {
        res(undefined);
      });
    });
    await r.server.close();
    expect(await ended).toBeInstanceOf(HboneError);
    expect(tunnel.destroyed).toBe(true);
    expect(r.records[0]?.error).toBeDefined();
  });

  it('start() with an AbortSignal closes the server when the signal aborts', async () => {
    const mesh = await sharedMesh();
    const w = await mesh.workload('ns-b', 'server');
    const { createHboneServer } = await import('./server.js');
    const server = createHboneServer({
      identity: w,
      trustBundle: w.trustBundle,
      authorize: () => Promise.resolve({ allow: true }),
      dial: dialTarget,
    });
    const ac = new AbortController();
    const addr = await server.start({ port: 0, host: '127.0.0.1' }, ac.signal);
    expect(addr.port).toBeGreaterThan(0);
    ac.abort();
    await server.close();
    expect(server.address()).toBeNull();
  });
});
