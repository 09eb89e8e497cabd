// Issue 12 against a real waypoint (stand-in istiod with real delta ADS and
// CA, real HBONE in and out, everything on loopback):
//
// - 12.1: a rejected WaypointListener fails closed. One response carries a
//   valid update of one listener and an unexecutable update of another: the
//   valid one applies, the NACK names the other, and that listener denies all
//   (403 for HTTP, no CONNECT and no open connection for TCP) — not the older,
//   more permissive version — until a good version arrives.
// - 12.5: a tunnel's peer identity cannot be borrowed by a local process. The
//   attacker connects from 127.0.0.2, reusing the source port of every live
//   loopback connection of this process, to every loopback port it had, and
//   asks for the HTTP listener's direct response, which only the waypoint's
//   request path (authorized as the tunnel's peer) produces.
// - 12.6: an open TCP-listener connection whose backend workload vanished from
//   xDS is closed.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectStatusError, HbonePool } from '@ambient-ts/hbone';
import { IstiodStandIn } from '@ambient-ts/istiod-client/testing';
import { recordAttack } from '@ambient-ts/security-table';
import { istioIdentity } from '@ambient-ts/spiffe';
import { WAYPOINT_LISTENER_TYPE_URL, waypoint as wp } from '@ambient-ts/xds-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Waypoint } from '../src/waypoint.js';
import { getRequest, KeepAliveClient } from './harness/keep-alive-client.js';
import {
  exact,
  httpListener,
  serviceInit,
  serviceRef,
  TRUST_DOMAIN as TD,
} from './harness/mesh-resources.js';
import { issueSvid, type Svid } from './harness/svid.js';
import {
  connectViaWaypoint,
  readSome,
  startEchoBackend,
  tcpListener,
  type EchoBackend,
} from './harness/tcp-echo-backend.js';
import { callThroughTunnel } from './harness/tunnel-call.js';
import { startReadyWaypoint, type WaypointPod, waypointWorkload } from './harness/waypoint-env.js';

const NS = 'sec';
const DB = serviceRef(NS, 'db', '198.18.0.60', 5432);
const WEB = serviceRef(NS, 'web', '198.18.0.61', 8080);
const DB_IP = '127.0.0.61';
const SECRET = 'answered by the waypoint for sec/sa/app1 only';
const WAYPOINT: WaypointPod = {
  namespace: NS,
  serviceAccount: 'waypoint',
  podName: 'waypoint-7c9d8-sec01',
  ip: '127.0.0.60',
};

const principal = (sa: string): string => `${TD}/ns/${NS}/sa/${sa}`;

/** WEB: a direct response for app1's GETs; nothing else allowed. */
function webListener(extra: { requiredFeatures?: string[] } = {}) {
  return {
    ...httpListener(
      WEB,
      [
        {
          name: 'secret',
          action: { case: 'directResponse', value: { status: 200, body: SECRET } },
        },
      ],
      [
        {
          name: 'app1-only',
          namespace: NS,
          action: wp.Action.ALLOW,
          rules: [{ from: [{ principals: [exact(principal('app1'))] }] }],
        },
      ],
    ),
    ...extra,
  };
}

function closedWithin(stream: Duplex, ms: number): Promise<'closed' | 'still open'> {
  return new Promise((resolve) => {
    if (stream.destroyed) {
      resolve('closed');
      return;
    }
    const timer = setTimeout(() => {
      resolve('still open');
    }, ms);
    stream.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    stream.resume();
  });
}

async function eventually(cond: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Established IPv4 loopback TCP connections owned by this process: [local port, remote port]. */
function ownLoopbackConnections(): [number, number][] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const LOOPBACK = '0100007F';
  const out: [number, number][] = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const [local, remote, state, inode] = [f[1], f[2], f[3], f[9]];
    if (!local || !remote || state !== '01' || !inode || !inodes.has(inode)) continue;
    const [lip, lport] = local.split(':');
    const [rip, rport] = remote.split(':');
    if (lip === LOOPBACK && rip === LOOPBACK && lport && rport) {
      out.push([parseInt(lport, 16), parseInt(rport, 16)]);
    }
  }
  return out;
}

/** From 127.0.0.2:<srcPort> to 127.0.0.1:<dstPort>: one plain HTTP/1.1 GET; whatever comes back in 700 ms. */
function replayFrom(srcPort: number, dstPort: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = connect({
      host: '127.0.0.1',
      port: dstPort,
      localAddress: '127.0.0.2',
      localPort: srcPort,
    });
    const done = (): void => {
      s.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, 700);
    s.on('connect', () => {
      s.write(`GET / HTTP/1.1\r\nHost: ${WEB.hostname}:${WEB.port}\r\n\r\n`);
    });
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('error', () => {
      clearTimeout(timer);
      done();
    });
    s.on('close', () => {
      clearTimeout(timer);
      done();
    });
  });
}

describe('waypoint security (issue 12: fail-closed listeners, tunnel identity, vanished workloads)', () => {
  const istiod = new IstiodStandIn();
  const pool = new HbonePool();
  let db: EchoBackend;
  let waypoint: Waypoint;
  let app1: Svid;
  let app2: Svid;

  const openDb = (from: Svid): Promise<Duplex> => connectViaWaypoint(pool, from, WAYPOINT, DB);
  const getWeb = async (from: Svid): Promise<number> =>
    (
      await callThroughTunnel(pool, {
        from,
        via: { address: `${WAYPOINT.ip}:15008`, identity: istioIdentity(TD, NS, 'waypoint') },
        target: `${WEB.vip}:${WEB.port}`,
        path: '/',
        headers: { host: `${WEB.hostname}:${WEB.port}` },
      })
    ).status;
  const connectStatus = async (from: Svid): Promise<string> => {
    try {
      const s = await openDb(from);
      s.destroy();
      return '200';
    } catch (err) {
      return err instanceof ConnectStatusError ? String(err.status) : String(err);
    }
  };
  const nackError = (): string =>
    waypoint.xds.snapshot().types.find((t) => t.typeUrl === WAYPOINT_LISTENER_TYPE_URL)
      ?.lastNackError ?? '';

  beforeAll(async () => {
    await istiod.start();
    app1 = await issueSvid(istiod.ca, TD, NS, 'app1');
    app2 = await issueSvid(istiod.ca, TD, NS, 'app2');
    db = await startEchoBackend(istiod, {
      svc: DB,
      name: 'db-v1',
      ip: DB_IP,
      serviceAccount: 'db',
    });
    istiod.setService(serviceInit(WEB));
    istiod.setWorkload(waypointWorkload(WAYPOINT));
    istiod.setListener(tcpListener(DB, ['app1']));
    istiod.setListener(webListener());
    waypoint = (await startReadyWaypoint(istiod, WAYPOINT)).waypoint;
  });

  afterAll(async () => {
    await pool.close();
    await waypoint.close();
    await db.close();
    await istiod.close();
  });

  it('12.1: applies the valid listener of a response and denies all on the rejected one until a good version arrives', async () => {
    expect(await getWeb(app1)).toBe(200);
    expect(await connectStatus(app2)).toBe('401');

    // One push: DB widened to app2 (valid), WEB asking for a feature this waypoint lacks.
    istiod.setListener(tcpListener(DB, ['app1', 'app2']));
    istiod.setListener(webListener({ requiredFeatures: ['jwt-claims-v9'] }));
    await eventually(() => nackError().includes(`${NS}/${WEB.hostname}:${WEB.port}`), 'the NACK');
    const nack = nackError();
    expect(nack).not.toContain(`${DB.hostname}:${DB.port}`);
    await eventually(async () => (await connectStatus(app2)) === '200', 'the valid DB listener');
    const web = await getWeb(app1);
    expect(web).toBe(403);
    recordAttack({
      finding: '12.1 fail-closed authz',
      attack: 'waypoint: unexecutable update of an HTTP listener next to a valid update of another',
      sent: 'WaypointListener web (required_features jwt-claims-v9) + db (ALLOW app1, app2) in one response',
      happened: `NACK "${nack.slice(0, 80)}…"; app1 GET web → ${web} (was 200 under the old version); app2 CONNECT db → ${await connectStatus(app2)}`,
    });

    // A rejected TCP listener (unknown protocol): CONNECT refused, open connections closed.
    const open = await openDb(app1);
    open.write('ping\n');
    expect(await readSome(open)).toBe('ping\n');
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- an enum value istiod may send later
    istiod.setListener({ ...tcpListener(DB, ['app1', 'app2']), protocol: 7 as wp.Protocol });
    const kept = await closedWithin(open, 3000);
    const fresh = await connectStatus(app1);
    expect(kept).toBe('closed');
    expect(fresh).toBe('401');
    recordAttack({
      finding: '12.1 fail-closed authz',
      attack: 'waypoint: update of a TCP listener with an unknown protocol enum',
      sent: 'WaypointListener db with protocol 7 while app1 holds an open connection',
      happened: `open connection ${kept}; new CONNECT from app1 → ${fresh}`,
    });

    // Good versions lift the stand-ins.
    istiod.setListener(tcpListener(DB, ['app1']));
    istiod.setListener(webListener());
    await eventually(async () => (await getWeb(app1)) === 200, 'web served again');
    await eventually(async () => (await connectStatus(app1)) === '200', 'db served again');
  });

  it('12.5: a local process reusing a live tunnel’s source port gets nothing as that peer', async () => {
    const tunnel = new KeepAliveClient(
      () => connectViaWaypoint(pool, app1, WAYPOINT, WEB),
      getRequest('/', { host: `${WEB.hostname}:${WEB.port}` }),
    );
    try {
      expect((await tunnel.send()).status).toBe(200);
      const pairs = ownLoopbackConnections();
      const answers = await Promise.all(pairs.map(([src, dst]) => replayFrom(src, dst)));
      const served = answers.filter((a) => a.includes(SECRET));
      expect(served).toEqual([]);
      expect((await tunnel.send()).status).toBe(200);
      recordAttack({
        finding: '12.5 waypoint identity',
        attack: 'reuse a live tunnel’s loopback source port from 127.0.0.2',
        sent: `GET / (Host web) from 127.0.0.2:<src> to 127.0.0.1:<dst> for all ${pairs.length} live loopback connections of the waypoint process`,
        happened: `${served.length} served as the tunnel's peer (${answers.filter((a) => a !== '').length} got any bytes)`,
      });
    } finally {
      tunnel.close();
    }
  });

  it('12.6: closes an open TCP-listener connection when its backend workload vanishes from xDS', async () => {
    const open = await openDb(app1);
    open.write('ping\n');
    expect(await readSome(open)).toBe('ping\n');
    istiod.removeAddress(db.workload().uid);
    const result = await closedWithin(open, 3000);
    expect(result).toBe('closed');
    recordAttack({
      finding: '12.6 vanished workload',
      attack: 'waypoint: keep a TCP-listener connection after its backend workload left xDS',
      sent: 'open connection app1 → db; istiod removes the db-v1 workload',
      happened: `connection ${result} within 3 s`,
    });
    istiod.setWorkload(db.workload());
  });
});
