// Traffic to a destination that has a waypoint: ztunnel sends it to the
// waypoint over HBONE (authority = the original VIP:port for service traffic,
// podIP:port for pod traffic), and the destination's ztunnel accepts it only
// from the waypoint. The waypoint here is a stand-in: an HBONE server in an
// uncaptured pod with the waypoint's identity that re-originates HBONE to
// the pod.

import { Socket } from 'node:net';
import {
  ConnectStatusError,
  createHboneServer,
  HbonePool,
  type HboneServer,
  type TcpDialer,
} from '@ambient-ts/hbone';
import { connectTcpInNetns, listenTcpInNetns, type NetnsFd } from '@ambient-ts/linux-sockets';
import {
  createCsr,
  generateWorkloadKey,
  istioIdentity,
  type CertificateAuthority,
} from '@ambient-ts/spiffe';
import { workload as wl } from '@ambient-ts/xds-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { echoServer, exchange, type EchoServer } from './harness/apps.js';
import { labUnavailable } from './harness/lab.js';
import { ipBytes, Mesh, type MeshPod } from './harness/mesh.js';

const ECHO_VIP = '198.18.100.8';
const WAYPOINT_VIP = '198.18.100.9';
const WAYPOINT_HOST = 'waypoint.default.svc.cluster.local';

function dialerIn(netns: NetnsFd): TcpDialer {
  return async (d) => {
    const fd = await connectTcpInNetns(netns, { host: d.ip, port: d.port, timeoutMs: 5000 });
    return new Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
  };
}

async function svid(ca: CertificateAuthority, sa: string) {
  const identity = istioIdentity('cluster.local', 'default', sa);
  const key = await generateWorkloadKey();
  const chain = await ca.sign(await createCsr(identity, key), { identity });
  return {
    identity,
    certChainPem: chain.slice(0, -1),
    keyPem: key.privateKeyPem,
    trustBundle: [ca.rootCertPem],
  };
}

describe.skipIf(labUnavailable !== undefined)(
  `waypoints${labUnavailable ? ` (skipped: ${labUnavailable})` : ''}`,
  () => {
    let mesh: Mesh;
    let client: MeshPod;
    let server: MeshPod;
    let waypoint: MeshPod;
    let echo: EchoServer;
    let wpServer: HboneServer;
    let wpPool: HbonePool;
    const seen: { authority: string; peer: string }[] = [];

    beforeAll(async () => {
      mesh = await Mesh.create();
      try {
        await mesh.ztunnel('node1');
        const viaWaypoint = {
          destination: {
            case: 'hostname' as const,
            value: { namespace: 'default', hostname: WAYPOINT_HOST },
          },
          hboneMtlsPort: 15008,
        };
        client = await mesh.pod('node1', 'client');
        server = await mesh.pod('node1', 'server', {
          workload: {
            services: {
              'default/echo.default.svc.cluster.local': {
                ports: [{ servicePort: 80, targetPort: 8080 }],
              },
            },
            waypoint: viaWaypoint,
          },
        });
        // The waypoint is not captured; it terminates HBONE itself.
        waypoint = await mesh.pod('node1', 'waypoint-0', {
          captured: false,
          serviceAccount: 'waypoint',
          workload: {
            tunnelProtocol: wl.TunnelProtocol.HBONE,
            services: {
              [`default/${WAYPOINT_HOST}`]: { ports: [{ servicePort: 15008, targetPort: 15008 }] },
            },
          },
        });
        mesh.service({
          name: 'waypoint',
          namespace: 'default',
          hostname: WAYPOINT_HOST,
          addresses: [{ network: '', address: ipBytes(WAYPOINT_VIP) }],
          ports: [{ servicePort: 15008, targetPort: 15008 }],
        });
        mesh.service({
          name: 'echo',
          namespace: 'default',
          hostname: 'echo.default.svc.cluster.local',
          addresses: [{ network: '', address: ipBytes(ECHO_VIP) }],
          ports: [{ servicePort: 80, targetPort: 8080 }],
          waypoint: viaWaypoint,
        });
        echo = echoServer(server.netns, 'server', 8080);

        const wpId = await svid(mesh.cp.ca, 'waypoint');
        wpPool = new HbonePool({ dialer: dialerIn(waypoint.netns) });
        wpServer = createHboneServer({
          identity: wpId,
          trustBundle: wpId.trustBundle,
          authorize: (req) => {
            seen.push({ authority: req.target.authority, peer: req.peer.uri });
            return Promise.resolve({ allow: true });
          },
          // A waypoint's routing, reduced to this test: everything goes to the server pod.
          dial: (req) =>
            wpPool.connect({
              source: wpId,
              destination: {
                address: `${server.ip}:15008`,
                expectedIdentities: [istioIdentity('cluster.local', 'default', 'server')],
              },
              target: `${server.ip}:8080`,
              headers: { forwardedFor: `${req.remote.ip}:${req.remote.port}` },
            }),
        });
        await wpServer.start({
          fd: listenTcpInNetns(waypoint.netns, { host: '0.0.0.0', port: 15008 }),
        });
        await mesh.synced();
        await mesh.ready();
        for (const p of [client, server]) await mesh.serving(p);
      } catch (err) {
        await mesh.close();
        throw err;
      }
    });
    afterAll(async () => {
      await wpServer?.close();
      wpPool?.destroy();
      await echo?.close();
      await mesh?.close();
    });

    it('sends service traffic to the waypoint with the original VIP:port as authority and the client identity', async () => {
      const r = await exchange(client.netns, ECHO_VIP, 80, Buffer.from('via waypoint'));
      expect(r.server).toBe('server');
      expect(r.echoed.toString()).toBe('via waypoint');
      expect(seen.at(-1)).toEqual({ authority: `${ECHO_VIP}:80`, peer: client.identity });
      const n1 = mesh.nodes.get('node1')!;
      const out = n1.logs
        .access()
        .find((l) => l.direction === 'outbound' && l['dst.hbone_addr'] === `${ECHO_VIP}:80`)!;
      expect(out['dst.addr']).toBe(`${waypoint.ip}:15008`);
      expect(out['dst.identity']).toBe('spiffe://cluster.local/ns/default/sa/waypoint');
    });

    it("sends pod-addressed traffic to the pod's workload waypoint too", async () => {
      const r = await exchange(client.netns, server.ip, 8080, Buffer.from('pod addressed'));
      expect(r.echoed.toString()).toBe('pod addressed');
      expect(seen.at(-1)).toEqual({ authority: `${server.ip}:8080`, peer: client.identity });
    });

    it('refuses HBONE to the pod that does not come from its waypoint', async () => {
      const pool = new HbonePool({ dialer: dialerIn(waypoint.netns) });
      try {
        const sneaky = await pool
          .connect({
            source: await svid(mesh.cp.ca, 'client'),
            destination: {
              address: `${server.ip}:15008`,
              expectedIdentities: [istioIdentity('cluster.local', 'default', 'server')],
            },
            target: `${server.ip}:8080`,
          })
          .catch((e: unknown) => e);
        expect(sneaky).toBeInstanceOf(ConnectStatusError);
        expect((sneaky as ConnectStatusError).status).toBe(401);
      } finally {
        pool.destroy();
      }
    });
  },
);
