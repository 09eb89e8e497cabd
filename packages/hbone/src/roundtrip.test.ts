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
});
