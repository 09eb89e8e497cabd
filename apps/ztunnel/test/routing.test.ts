// Where ztunnel sends traffic: to pods outside the mesh and back, to a
// service VIP load-balanced over healthy endpoints, and nowhere when a
// service has no healthy endpoint.

import { workload as wl } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { dial, echoServer, exchange, outcome, type EchoServer } from './harness/apps.js';
import { labUnavailable } from './harness/lab.js';
import { ipBytes, type Mesh, sumMetric, until, type MeshPod } from './harness/mesh.js';
import { meshForSuite } from './harness/mesh-suite.js';

const VIP = '198.18.100.1';
const EMPTY_VIP = '198.18.100.2';
const HOST = 'echo.default.svc.cluster.local';

describe.skipIf(labUnavailable !== undefined)(
  `routing${labUnavailable ? ` (skipped: ${labUnavailable})` : ''}`,
  () => {
    let mesh: Mesh;
    let client: MeshPod;
    let a: MeshPod;
    let b: MeshPod;
    let sick: MeshPod;
    let plain: MeshPod;
    let outside: MeshPod;
    const servers: EchoServer[] = [];

    meshForSuite(servers, async (m) => {
      mesh = m;
      await mesh.ztunnel('node1');
      await mesh.ztunnel('node2');
      const svc = { [`default/${HOST}`]: { ports: [{ servicePort: 80, targetPort: 8080 }] } };
      client = await mesh.pod('node1', 'client');
      a = await mesh.pod('node1', 'echo-a', {
        serviceAccount: 'echo',
        workload: { services: svc },
      });
      b = await mesh.pod('node2', 'echo-b', {
        serviceAccount: 'echo',
        workload: { services: svc },
      });
      sick = await mesh.pod('node2', 'echo-sick', {
        serviceAccount: 'echo',
        workload: { services: svc, status: wl.WorkloadStatus.UNHEALTHY },
      });
      // In xDS but not captured (tunnel protocol NONE), and not in the mesh at all.
      plain = await mesh.pod('node2', 'plain', { captured: false });
      outside = await mesh.pod('node2', 'outside', { captured: false, xds: false });
      mesh.service({
        name: 'echo',
        namespace: 'default',
        hostname: HOST,
        addresses: [{ network: '', address: ipBytes(VIP) }],
        ports: [{ servicePort: 80, targetPort: 8080 }],
      });
      mesh.service({
        name: 'empty',
        namespace: 'default',
        hostname: 'empty.default.svc.cluster.local',
        addresses: [{ network: '', address: ipBytes(EMPTY_VIP) }],
        ports: [{ servicePort: 80, targetPort: 8080 }],
      });
      for (const p of [a, b, sick, plain, outside]) servers.push(echoServer(p.netns, p.name, 8080));
      return [client, a, b, sick];
    });

    it('load-balances a service VIP over its healthy endpoints, addressing each pod (not the VIP) over HBONE', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 24; i++) {
        const r = await exchange(client.netns, VIP, 80, Buffer.from(`req ${i}`));
        expect(r.echoed.toString()).toBe(`req ${i}`);
        seen.add(r.server);
      }
      expect(seen).toEqual(new Set(['echo-a', 'echo-b']));
      const n1 = mesh.nodes.get('node1')!;
      const logs = n1.logs.access().filter((l) => l['dst.service'] === HOST);
      expect(logs.length).toBeGreaterThanOrEqual(24);
      for (const l of logs) {
        expect([`${a.ip}:8080`, `${b.ip}:8080`]).toContain(l['dst.hbone_addr']);
        expect([`${a.ip}:15008`, `${b.ip}:15008`]).toContain(l['dst.addr']);
        expect(l['dst.identity']).toBe('spiffe://cluster.local/ns/default/sa/echo');
      }
    });

    it('refuses a VIP whose service has no healthy endpoint, saying so in the log', async () => {
      // Reset by ztunnel: either while connecting or right after.
      const how = await dial(client.netns, EMPTY_VIP, 80).then(outcome, () => 'error' as const);
      expect(how).toBe('error');
      const n1 = mesh.nodes.get('node1')!;
      await until(
        () =>
          n1.logs.records.some(
            (l) =>
              l.message === 'connection failed' &&
              String(l.error).startsWith('no healthy upstream'),
          ),
        'the no healthy upstream line',
      );
    });

    it('sends plain TCP to a mesh workload without HBONE, and the server sees the client IP', async () => {
      const r = await exchange(client.netns, plain.ip, 8080, Buffer.from('plain'));
      expect(r.server).toBe('plain');
      expect(servers[3]!.peers.at(-1)).toBe(client.ip);
      const n1 = mesh.nodes.get('node1')!;
      const l = n1.logs
        .access()
        .filter((x) => x['dst.workload'] === 'plain')
        .at(-1)!;
      expect(l['dst.addr']).toBe(`${plain.ip}:8080`);
      expect(l['src.identity']).toBeUndefined();
      expect(l['dst.identity']).toBeUndefined();
      expect(l['dst.hbone_addr']).toBeUndefined();
    });

    it('passes traffic to an address outside the mesh straight through', async () => {
      const r = await exchange(client.netns, outside.ip, 8080, Buffer.from('outside'));
      expect(r.server).toBe('outside');
      const m = await mesh.metrics('node1');
      expect(
        sumMetric(m, 'istio_tcp_connections_closed_total', {
          reporter: 'source',
          connection_security_policy: 'unknown',
          destination_workload: 'unknown',
        }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('accepts plaintext from an uncaptured pod on 15006 and delivers it with the real source', async () => {
      const r = await exchange(plain.netns, a.ip, 8080, Buffer.from('from outside the mesh'));
      expect(r.server).toBe('echo-a');
      expect(servers[0]!.peers.at(-1)).toBe(plain.ip);
      const n1 = mesh.nodes.get('node1')!;
      await until(
        () =>
          n1.logs.access().some((l) => l.direction === 'inbound' && l['src.workload'] === 'plain'),
        'the inbound plaintext log line',
      );
      const l = n1.logs
        .access()
        .filter((x) => x.direction === 'inbound' && x['src.workload'] === 'plain')
        .at(-1)!;
      expect(l['src.identity']).toBeUndefined();
      expect(l['dst.addr']).toBe(`${a.ip}:8080`);
      const m = await mesh.metrics('node1');
      expect(
        sumMetric(m, 'istio_tcp_connections_opened_total', {
          reporter: 'destination',
          connection_security_policy: 'unknown',
          destination_workload: 'echo-a',
        }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('shows pods, services and certificates in /config_dump in upstream shape', async () => {
      const n1 = mesh.nodes.get('node1')!;
      const res = await fetch(`http://127.0.0.1:${n1.addresses.admin.port}/config_dump`);
      const dump = (await res.json()) as {
        workloads: { uid: string; workloadIps: string[]; protocol: string; node: string }[];
        services: {
          hostname: string;
          vips: string[];
          ports: Record<string, number>;
          endpoints: Record<string, unknown>;
        }[];
        certificates: { identity: string; state: string }[];
        workloadState: Record<string, { state: string; info: { name: string } }>;
      };
      expect(dump.workloads.find((w) => w.uid === client.uid)).toMatchObject({
        workloadIps: [client.ip],
        protocol: 'HBONE',
        node: 'node1',
      });
      const svc = dump.services.find((s) => s.hostname === HOST)!;
      expect(svc.vips).toEqual([`/${VIP}`]);
      expect(svc.ports).toEqual({ '80': 8080 });
      expect(Object.keys(svc.endpoints).sort()).toEqual([a.uid, b.uid, sick.uid].sort());
      expect(dump.workloadState[client.podUid]).toMatchObject({
        state: 'Up',
        info: { name: 'client' },
      });
      expect(dump.certificates.map((c) => c.identity)).toContain(client.identity);
      expect(dump.certificates.every((c) => c.state === 'Available')).toBe(true);
    });
  },
);
