import { afterEach, describe, expect, it } from 'vitest';
import { drain, echo, rig, tcpUpstream, type Rig, type Upstream } from './test-support/harness.js';

describe('HBONE round trip', () => {
  let r: Rig | undefined;
  let up: Upstream | undefined;
  afterEach(async () => {
    await r?.close();
    await up?.close();
  });

  it('carries bytes both ways through CONNECT to the target and reports the server identity', async () => {
    up = await tcpUpstream(echo);
    r = await rig();
    const tunnel = await r.pool.connect(r.request(`127.0.0.1:${up.port}`));
    expect(tunnel.status).toBe(200);
    expect(tunnel.peer.uri).toBe(r.serverWorkload.identity.uri);
    const got = drain(tunnel);
    tunnel.end('hello hbone');
    expect((await got).bytes).toBe(11);
  });

  it('works over IPv6, with a bracketed authority parsed as family 6', async () => {
    const families: number[] = [];
    up = await ipv6Upstream();
    r = await rig({
      listenHost: '::1',
      authorize: (req) => {
        families.push(req.target.family);
        return Promise.resolve({ allow: true });
      },
    });
    const tunnel = await r.pool.connect(r.request(`[::1]:${up.port}`));
    const got = drain(tunnel);
    tunnel.end('over v6');
    expect((await got).bytes).toBe(7);
    expect(families).toEqual([6]);
    expect(r.address).toMatch(/^\[::1\]:\d+$/);
  });
});

async function ipv6Upstream(): Promise<Upstream> {
  return tcpUpstream(echo, '::1');
}
