// A TCP listener's world, shared by the TCP loopback and security tests: a
// WaypointListener that allows some service accounts, a backend pod that
// echoes (a real TCP server behind a stand-in ztunnel's HBONE), and a client
// that opens a connection to the service through the waypoint over HBONE.

import { createServer, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HbonePool } from '@ambient-ts/hbone';
import type { IstiodStandIn } from '@ambient-ts/istiod-client/testing';
import { istioIdentity } from '@ambient-ts/spiffe';
import { waypoint as wp } from '@ambient-ts/xds-types';
import {
  exact,
  serviceInit,
  TRUST_DOMAIN as TD,
  workloadInit,
  type ServiceRef,
} from './mesh-resources.js';
import { startStandInZtunnel } from './stand-in-ztunnel.js';
import { issueSvid, type Svid } from './svid.js';
import type { WaypointPod } from './waypoint-env.js';

/** A TCP WaypointListener for `svc` that allows connections from these service accounts of its namespace. */
export function tcpListener(svc: ServiceRef, allowedSas: readonly string[]) {
  return {
    serviceNamespace: svc.namespace,
    serviceHostname: svc.hostname,
    port: svc.port,
    protocol: wp.Protocol.TCP,
    policies: [
      {
        name: 'db-clients',
        namespace: svc.namespace,
        action: wp.Action.ALLOW,
        rules: [
          {
            from: [
              {
                principals: allowedSas.map((sa) => exact(`${TD}/ns/${svc.namespace}/sa/${sa}`)),
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The next chunk the stream delivers. */
export function readSome(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    stream.once('data', (c: Buffer) => {
      resolve(c.toString());
    });
    stream.once('error', reject);
  });
}

export interface EchoBackend {
  /** The backend's workload as istiod publishes it (set again after removing it). */
  readonly workload: () => ReturnType<typeof workloadInit>;
  close(): Promise<void>;
}

/**
 * The pod `<name>` (service account `serviceAccount`) at `ip` behind `svc`: a
 * TCP echo on an ephemeral loopback port, reached through a stand-in ztunnel
 * on `ip`:15008. Publishes the service and the workload to `istiod`.
 */
export async function startEchoBackend(
  istiod: IstiodStandIn,
  b: { svc: ServiceRef; name: string; ip: string; serviceAccount: string },
): Promise<EchoBackend> {
  const app = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const hbone = await startStandInZtunnel({
    svid: await issueSvid(istiod.ca, TD, b.svc.namespace, b.serviceAccount),
    ip: b.ip,
    targetPort: b.svc.port,
    appPort: (app.address() as AddressInfo).port,
  });
  const workload = () =>
    workloadInit({
      namespace: b.svc.namespace,
      name: b.name,
      ip: b.ip,
      serviceAccount: b.serviceAccount,
      services: [b.svc],
    });
  istiod.setService(serviceInit(b.svc));
  istiod.setWorkload(workload());
  return {
    workload,
    close: async () => {
      await hbone.close();
      app.close();
    },
  };
}

/** A connection from `from` to `svc` through the waypoint's HBONE port. */
export function connectViaWaypoint(
  pool: HbonePool,
  from: Svid,
  waypoint: WaypointPod,
  svc: ServiceRef,
): Promise<Duplex> {
  return pool.connect({
    source: from,
    destination: {
      address: `${waypoint.ip}:15008`,
      expectedIdentities: [istioIdentity(TD, waypoint.namespace, waypoint.serviceAccount)],
    },
    target: `${svc.vip}:${svc.port}`,
  });
}
