// Issue 12 finding 4, HBONE half, and reliability.md §6 row 25: an mTLS
// client of the HBONE server (a compromised workload) tries to make it hold
// unbounded connections, tunnels and header bytes, and throws the known
// HTTP/2 abuse patterns at it. Real TLS + HTTP/2 on 127.0.0.1; each test
// measures what the attacker achieved, checks a well-behaved client still
// gets through, and records the row.

import { constants } from 'node:http2';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { recordAttack } from '@ambient-ts/security-table';
import { afterEach, describe, expect, it } from 'vitest';
import type { DialHook } from './server.js';
import { DEFAULT_HBONE_SETTINGS } from './settings.js';
import {
  dialTarget,
  drain,
  echo,
  rig,
  tcpUpstream,
  type Rig,
  type RigOptions,
  type Upstream,
} from './test-support/harness.js';
import { RawH2 } from './test-support/raw-h2.js';

const CAPS = '12.4 caps';
const H2_ABUSE = '§6.25 h2 abuse';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: RigOptions = {}): Promise<{ r: Rig; target: string; port: number }> {
  const up: Upstream = await tcpUpstream(echo);
  const r = await rig(opts);
  cleanups.push(
    () => up.close(),
    () => r.close(),
  );
  return { r, target: `127.0.0.1:${up.port}`, port: Number(r.address.split(':')[1]) };
}

async function raw(port: number, r: Rig, opts?: { ackSettings?: boolean }): Promise<RawH2> {
  const h = await RawH2.open(port, r.clientWorkload, opts);
  cleanups.push(() => {
    h.close();
  });
  return h;
}

/** A well-behaved client's echo through a fresh pool: what "unaffected" means here. */
async function bystanderEcho(r: Rig, target: string): Promise<number> {
  const { HbonePool } = await import('./pool.js');
  const pool = new HbonePool();
  try {
    const tunnel = await pool.connect(r.request(target));
    const got = drain(tunnel);
    tunnel.end('still served');
    return (await got).bytes;
  } finally {
    pool.destroy();
  }
}

const connectTo = (target: string): [string, string][] => [
  [':method', 'CONNECT'],
  [':authority', target],
];

/** Fields of `bytes` in total (each ≤ 16 KiB: nghttp2 caps one HPACK field at 64 KiB). */
function filler(name: string, bytes: number): [string, string][] {
  const each = 16 * 1024;
  return Array.from({ length: Math.ceil(bytes / each) }, (_, i) => [
    name,
    `${i}=`.padEnd(each, 'a'),
  ]);
}

function rssMiB(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

describe('HBONE server caps (12.4)', () => {
  it('answers 431 to a header list over 64 KiB even before the client ACKed our SETTINGS', async () => {
    let authorized = 0;
    const { r, target, port } = await setup({
      authorize: () => {
        authorized += 1;
        return Promise.resolve({ allow: true });
      },
    });
    const h = await raw(port, r, { ackSettings: false });
    const fields = [...connectTo(target), ...filler('x-big', 100 * 1024)];
    h.headerBlock(1, fields);
    const status = await h.status(1);

    const handled = authorized;
    expect(status).toBe(431);
    expect(handled).toBe(0);
    expect(await bystanderEcho(r, target)).toBe(12);
    recordAttack({
      finding: CAPS,
      attack: 'HBONE: 100 KiB header list before SETTINGS ACK',
      sent: 'CONNECT with 100 KiB of headers in HEADERS+CONTINUATION, our SETTINGS never ACKed',
      happened: `status ${JSON.stringify(status)}; authorize calls: ${handled}; another client's echo OK`,
    });
  });

  it('refuses connections beyond serverMaxConnections at accept', async () => {
    const cap = 4;
    const { r, target, port } = await setup({ serverSettings: { serverMaxConnections: cap } });
    const attempts = 10;
    const sockets: TLSSocket[] = [];
    const outcomes = await Promise.all(
      Array.from(
        { length: attempts },
        () =>
          new Promise<'tls' | 'closed'>((resolve) => {
            const s = tlsConnect({
              host: '127.0.0.1',
              port,
              ALPNProtocols: ['h2'],
              cert: r.clientWorkload.certChainPem.join('\n'),
              key: r.clientWorkload.keyPem,
              ca: [...r.clientWorkload.trustBundle.pems],
              checkServerIdentity: () => undefined,
            });
            sockets.push(s);
            s.once('secureConnect', () => {
              resolve('tls');
            });
            s.once('error', () => {
              resolve('closed');
            });
            s.once('close', () => {
              resolve('closed');
            });
          }),
      ),
    );
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
    });
    const held = outcomes.filter((o) => o === 'tls').length;

    expect(held).toBe(cap);
    expect(r.server.refusals.connections).toBe(attempts - cap);
    // A slot frees when a connection goes: a well-behaved client gets in again.
    for (const s of sockets) s.destroy();
    await expect.poll(() => r.server.activeSessions, { timeout: 5000 }).toBe(0);
    expect(await bystanderEcho(r, target)).toBe(12);
    recordAttack({
      finding: CAPS,
      attack: 'HBONE: connection flood',
      sent: `${attempts} mTLS connections at once, serverMaxConnections ${cap} (default ${DEFAULT_HBONE_SETTINGS.serverMaxConnections})`,
      happened: `${held} held; ${r.server.refusals.connections} closed at accept; echo after they left OK`,
    });
  });

  it('refuses CONNECTs beyond serverMaxTunnels with REFUSED_STREAM, so at most that many upstream dials are held', async () => {
    const cap = 5;
    let dials = 0;
    const release: (() => void)[] = [];
    let stalled = true;
    // An upstream that does not answer while `stalled`: each dial holds its slot.
    const hang: DialHook = (req, signal) => {
      dials += 1;
      if (!stalled) return dialTarget(req, signal);
      return new Promise<Duplex>((resolve, reject) => {
        release.push(() => {
          dialTarget(req, signal).then(resolve, reject);
        });
      });
    };
    const { r, target, port } = await setup({
      dial: hang,
      serverSettings: { serverMaxTunnels: cap },
    });
    const h = await raw(port, r);
    const attempts = 20;
    for (let i = 0; i < attempts; i++) h.headers(1 + 2 * i, connectTo(target));
    const refused = await Promise.all(
      Array.from({ length: attempts - cap }, (_, i) => h.status(1 + 2 * (cap + i))),
    );

    expect(dials).toBe(cap);
    expect(
      refused.every((x) => typeof x === 'object' && x.rst === constants.NGHTTP2_REFUSED_STREAM),
    ).toBe(true);
    expect(r.server.refusals.tunnels).toBe(attempts - cap);
    const held = dials;
    stalled = false;
    for (const go of release.splice(0)) go();
    expect(await h.status(1)).toBe(200);
    h.close();
    await expect.poll(() => r.server.activeTunnels, { timeout: 5000 }).toBe(0);
    expect(await bystanderEcho(r, target)).toBe(12);
    recordAttack({
      finding: CAPS,
      attack: 'HBONE: tunnel flood to a stalled upstream',
      sent: `${attempts} CONNECTs on one session, upstream never answers, serverMaxTunnels ${cap} (default ${DEFAULT_HBONE_SETTINGS.serverMaxTunnels})`,
      happened: `${held} upstream dials held; ${refused.length} streams RST_STREAM(${JSON.stringify(refused[0])}); after release: 200, other client OK`,
    });
  });

  it('closes a session that carries no stream for serverIdleTimeoutMs', async () => {
    const idleMs = 300;
    const { r, target, port } = await setup({ serverSettings: { serverIdleTimeoutMs: idleMs } });
    const h = await raw(port, r);
    const t0 = Date.now();
    const closed = await h.closedWithin(idleMs + 3000);
    const after = Date.now() - t0;

    expect(closed).toBe(true);
    expect(h.goawayCode()).toBe(constants.NGHTTP2_NO_ERROR);
    expect(r.server.refusals.idle).toBe(1);
    expect(await bystanderEcho(r, target)).toBe(12);
    recordAttack({
      finding: CAPS,
      attack: 'HBONE: idle session held open',
      sent: `an mTLS HTTP/2 session that opens no stream, serverIdleTimeoutMs ${idleMs} (default ${DEFAULT_HBONE_SETTINGS.serverIdleTimeoutMs / 60_000} min)`,
      happened: `GOAWAY(${h.goawayCode() ?? 'none'}) and closed after ${after} ms`,
    });
  });
});

describe('HBONE server under HTTP/2 abuse (§6.25)', () => {
  it('closes a rapid-reset client with GOAWAY(ENHANCE_YOUR_CALM) after its reset budget', async () => {
    let authorized = 0;
    const { r, target, port } = await setup({
      authorize: () => {
        authorized += 1;
        return Promise.resolve({ allow: true });
      },
    });
    const h = await raw(port, r);
    const rss0 = rssMiB();
    let sent = 0;
    while (!h.closed && sent < 20_000) {
      await h.rapidReset(1 + 2 * sent, 500, connectTo(target));
      sent += 500;
    }
    const closed = await h.closedWithin(5000);
    const grew = rssMiB() - rss0;
    const handled = authorized;

    expect(closed).toBe(true);
    expect(h.goawayCode()).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    expect(r.server.refusals.rapidReset).toBe(1);
    expect(handled).toBeLessThan(2 * DEFAULT_HBONE_SETTINGS.serverEarlyResetBudget + 1000);
    expect(await bystanderEcho(r, target)).toBe(12);
    recordAttack({
      finding: H2_ABUSE,
      attack: 'HBONE: rapid reset (CVE-2023-44487)',
      sent: `${sent} HEADERS+RST_STREAM(CANCEL) pairs on one session (budget ${DEFAULT_HBONE_SETTINGS.serverEarlyResetBudget})`,
      happened: `GOAWAY(${h.goawayCode() ?? 'none'}), connection closed; authorize calls ${handled}; RSS ${grew >= 0 ? '+' : ''}${grew.toFixed(1)} MiB; other client OK`,
    });
  });

  it('closes a CONTINUATION flood without ever handling the request', async () => {
    let authorized = 0;
    const { r, target, port } = await setup({
      authorize: () => {
        authorized += 1;
        return Promise.resolve({ allow: true });
      },
    });
    const h = await raw(port, r);
    h.openHeaderBlock(1, connectTo(target));
    let sent = 0;
    while (!h.closed && sent < 100_000) {
      await h.continuations(1, 100);
      sent += 100;
    }
    const closed = await h.closedWithin(5000);
    const handled = authorized;

    expect(closed).toBe(true);
    expect(h.goawayCode()).toBeDefined();
    expect(handled).toBe(0);
    expect(await bystanderEcho(r, target)).toBe(12);
    recordAttack({
      finding: H2_ABUSE,
      attack: 'HBONE: CONTINUATION flood (CVE-2024-27919)',
      sent: `HEADERS without END_HEADERS, then ${sent} CONTINUATION frames written before the server closed`,
      happened: `GOAWAY(${h.goawayCode() ?? 'none'}), connection closed; requests handled: ${handled}; other client OK`,
    });
  });

  it('never decodes a 1 MiB cookie into a request, before or after the SETTINGS ACK', async () => {
    let authorized = 0;
    const { r, target, port } = await setup({
      authorize: () => {
        authorized += 1;
        return Promise.resolve({ allow: true });
      },
    });
    const rss0 = rssMiB();
    const cookie = filler('cookie', 1024 * 1024);
    // Before the ACK: 16 KiB frames, so 1 MiB is 64+ frames of one block.
    const early = await raw(port, r, { ackSettings: false });
    early.headerBlock(1, [...connectTo(target), ...cookie]);
    const earlyClosed = await early.closedWithin(5000);
    // After the ACK: one 1 MiB frame is within our SETTINGS_MAX_FRAME_SIZE.
    const late = await raw(port, r);
    await new Promise((res) => setTimeout(res, 100)); // our SETTINGS arrive and are ACKed
    late.headerBlock(1, [...connectTo(target), ...cookie.slice(0, 60)], { frameBytes: 1 << 20 });
    const lateOutcome = await late.status(1).catch((err: unknown) => String(err));
    const grew = rssMiB() - rss0;
    const handled = authorized;

    expect(earlyClosed).toBe(true);
    expect(lateOutcome).toEqual({ rst: constants.NGHTTP2_ENHANCE_YOUR_CALM });
    expect(handled).toBe(0);
    expect(await bystanderEcho(r, target)).toBe(12);
    recordAttack({
      finding: H2_ABUSE,
      attack: 'HBONE: 1 MiB cookie via HPACK',
      sent: '1 MiB of cookie fields in one header block, before and after ACKing our SETTINGS',
      happened:
        `before ACK: GOAWAY(${early.goawayCode() ?? 'none'}), connection closed; ` +
        `after ACK: ${JSON.stringify(lateOutcome)} (≤ 64 KiB decoded); requests handled: ${handled}; ` +
        `RSS ${grew >= 0 ? '+' : ''}${grew.toFixed(1)} MiB; other client OK`,
    });
  });
});
