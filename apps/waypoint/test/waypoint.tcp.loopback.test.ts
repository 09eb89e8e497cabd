// A TCP listener through the waypoint: connection-level authorization at
// CONNECT, bytes relayed to the endpoint over HBONE, and an open connection
// closed when istiod sends a policy that no longer allows it.

import type { Duplex } from 'node:stream';
import { ConnectStatusError, HbonePool } from '@ambient-ts/hbone';
import { IstiodStandIn } from '@ambient-ts/istiod-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Waypoint } from '../src/waypoint.js';
import { serviceRef, TRUST_DOMAIN as TD } from './harness/mesh-resources.js';
import { issueSvid, type Svid } from './harness/svid.js';
import {
  connectViaWaypoint,
  readSome,
  startEchoBackend,
  tcpListener,
  type EchoBackend,
} from './harness/tcp-echo-backend.js';
import { startReadyWaypoint, type WaypointPod, waypointWorkload } from './harness/waypoint-env.js';

const NS = 'tcp';
const DB = serviceRef(NS, 'db', '198.18.0.40', 5432);
const DB_IP = '127.0.0.41';
const WAYPOINT: WaypointPod = {
  namespace: NS,
  serviceAccount: 'waypoint',
  podName: 'waypoint-6b8c9-tcp01',
  ip: '127.0.0.40',
};

describe('waypoint on loopback: a TCP listener', () => {
  const istiod = new IstiodStandIn();
  const pool = new HbonePool();
  let db: EchoBackend;
  let waypoint: Waypoint;
  let app1: Svid;
  let other: Svid;

  const open = (from: Svid): Promise<Duplex> => connectViaWaypoint(pool, from, WAYPOINT, DB);

  beforeAll(async () => {
    await istiod.start();
    app1 = await issueSvid(istiod.ca, TD, NS, 'app1');
    other = await issueSvid(istiod.ca, TD, NS, 'other');
    // The db pod: a TCP echo behind a stand-in ztunnel.
    db = await startEchoBackend(istiod, {
      svc: DB,
      name: 'db-v1',
      ip: DB_IP,
      serviceAccount: 'db',
    });
    istiod.setWorkload(waypointWorkload(WAYPOINT));
    istiod.setListener(tcpListener(DB, ['app1']));
    waypoint = (await startReadyWaypoint(istiod, WAYPOINT)).waypoint;
  });

  afterAll(async () => {
    await pool.close();
    await waypoint.close();
    await db.close();
    await istiod.close();
  });

  it('relays an allowed connection to the endpoint over HBONE', async () => {
    const conn = await open(app1);
    conn.write('ping\n');
    expect(await readSome(conn)).toBe('ping\n');
    conn.destroy();
  });

  it('refuses a connection the policy does not allow at CONNECT (401)', async () => {
    const err = await open(other).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectStatusError);
    expect((err as ConnectStatusError).message).toMatch(/401/);
  });

  it('closes an open connection once a new policy no longer allows it', async () => {
    const conn = await open(app1);
    conn.write('still here?\n');
    expect(await readSome(conn)).toBe('still here?\n');
    const closed = new Promise<void>((resolve) => {
      conn.once('close', () => {
        resolve();
      });
      conn.resume();
    });
    istiod.setListener(tcpListener(DB, ['other']));
    await expect(
      Promise.race([
        closed,
        new Promise((_, reject) =>
          setTimeout(() => {
            reject(new Error('still open after 5 s'));
          }, 5000),
        ),
      ]),
    ).resolves.toBeUndefined();
    // And the newly allowed identity gets through.
    const allowed = await open(other);
    allowed.write('pong\n');
    expect(await readSome(allowed)).toBe('pong\n');
    allowed.destroy();
  });
});
