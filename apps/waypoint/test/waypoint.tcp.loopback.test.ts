// A TCP listener through the waypoint: connection-level authorization at
// CONNECT, bytes relayed to the endpoint over HBONE, and an open connection
// closed when istiod sends a policy that no longer allows it.

import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConnectStatusError, HbonePool, type HboneServer } from '@ambient-ts/hbone';
import { IstiodStandIn } from '@ambient-ts/istiod-client/testing';
import { istioIdentity } from '@ambient-ts/spiffe';
import { waypoint as wp } from '@ambient-ts/xds-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Waypoint } from '../src/waypoint.js';
import {
  exact,
  serviceInit,
  serviceRef,
  TRUST_DOMAIN as TD,
  workloadInit,
  type ServiceRef,
} from './harness/mesh-resources.js';
import { issueSvid, type Svid } from './harness/svid.js';
import { startStandInZtunnel } from './harness/stand-in-ztunnel.js';
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

/** A TCP WaypointListener for `svc` that allows connections from one service account. */
function tcpListener(svc: ServiceRef, allowedSa: string) {
  return {
    serviceNamespace: svc.namespace,
    serviceHostname: svc.hostname,
    port: svc.port,
    protocol: wp.Protocol.TCP,
    policies: [
      {
        name: 'db-clients',
        namespace: NS,
        action: wp.Action.ALLOW,
        rules: [{ from: [{ principals: [exact(`${TD}/ns/${NS}/sa/${allowedSa}`)] }] }],
      },
    ],
  };
}

function readSome(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    stream.once('data', (c: Buffer) => {
      resolve(c.toString());
    });
    stream.once('error', reject);
  });
}

describe('waypoint on loopback: a TCP listener', () => {
  const istiod = new IstiodStandIn();
  const pool = new HbonePool();
  let app: Server;
  let dbHbone: HboneServer;
  let waypoint: Waypoint;
  let app1: Svid;
  let other: Svid;

  const open = (from: Svid): Promise<Duplex> =>
    pool.connect({
      source: from,
      destination: {
        address: `${WAYPOINT.ip}:15008`,
        expectedIdentities: [istioIdentity(TD, NS, 'waypoint')],
      },
      target: `${DB.vip}:${DB.port}`,
    });

  beforeAll(async () => {
    await istiod.start();
    app1 = await issueSvid(istiod.ca, TD, NS, 'app1');
    other = await issueSvid(istiod.ca, TD, NS, 'other');
    // The db pod: a TCP echo behind a stand-in ztunnel.
    app = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const appPort = (app.address() as AddressInfo).port;
    const dbSvid = await issueSvid(istiod.ca, TD, NS, 'db');
    dbHbone = await startStandInZtunnel({
      svid: dbSvid,
      ip: DB_IP,
      targetPort: DB.port,
      appPort,
    });
    istiod.setService(serviceInit(DB));
    istiod.setWorkload(
      workloadInit({
        namespace: NS,
        name: 'db-v1',
        ip: DB_IP,
        serviceAccount: 'db',
        services: [DB],
      }),
    );
    istiod.setWorkload(waypointWorkload(WAYPOINT));
    istiod.setListener(tcpListener(DB, 'app1'));
    waypoint = (await startReadyWaypoint(istiod, WAYPOINT)).waypoint;
  });

  afterAll(async () => {
    await pool.close();
    await waypoint.close();
    await dbHbone.close();
    app.close();
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
    istiod.setListener(tcpListener(DB, 'other'));
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
