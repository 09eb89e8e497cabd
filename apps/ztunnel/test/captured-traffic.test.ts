// Captured → captured traffic through real in-pod iptables rules and HBONE,
// on one node and across nodes, with the access log and metrics checked
// against what the apps actually sent and received.

import { describe, expect, it } from 'vitest';
import { dial, echoServer, exchange, outcome, type EchoServer } from './harness/apps.js';
import { labUnavailable } from './harness/lab.js';
import { type Mesh, sumMetric, until, type MeshPod } from './harness/mesh.js';
import { meshForSuite } from './harness/mesh-suite.js';

describe.skipIf(labUnavailable !== undefined)(
  `captured pods${labUnavailable ? ` (skipped: ${labUnavailable})` : ''}`,
  () => {
    let mesh: Mesh;
    let client: MeshPod;
    let local: MeshPod;
    let remote: MeshPod;
    const servers: EchoServer[] = [];

    meshForSuite(servers, async (m) => {
      mesh = m;
      await mesh.ztunnel('node1');
      await mesh.ztunnel('node2');
      client = await mesh.pod('node1', 'client');
      local = await mesh.pod('node1', 'server-a');
      remote = await mesh.pod('node2', 'server-b');
      servers.push(
        echoServer(local.netns, 'server-a', 8080),
        echoServer(remote.netns, 'server-b', 8080),
        echoServer(client.netns, 'client-self', 9090),
      );
      return [client, local, remote];
    });

    it('carries a connection between two pods on the same node over HBONE, and the app sees the client IP', async () => {
      const payload = Buffer.from('hello over hbone');
      const r = await exchange(client.netns, local.ip, 8080, payload);
      expect(r.server).toBe('server-a');
      expect(r.echoed.equals(payload)).toBe(true);
      expect(servers[0]!.peers.at(-1)).toBe(client.ip);
    });

    it("leaves a pod's connections to its own IP to the kernel, as the in-pod rules do (lo is accepted)", async () => {
      const r = await exchange(client.netns, client.ip, 9090, Buffer.from('hairpin'));
      expect(r.server).toBe('client-self');
      expect(r.echoed.toString()).toBe('hairpin');
      const n1 = mesh.nodes.get('node1')!;
      expect(
        n1.ztunnel.connections.forPod(client.podUid).filter((c) => c.originalDst.endsWith(':9090')),
      ).toEqual([]);
      expect(n1.logs.access().some((l) => String(l['dst.addr']).endsWith(':9090'))).toBe(false);
    });

    it('carries a connection to a pod on another node', async () => {
      const payload = Buffer.alloc(256 * 1024, 7);
      const r = await exchange(client.netns, remote.ip, 8080, payload);
      expect(r.server).toBe('server-b');
      expect(r.echoed.equals(payload)).toBe(true);
      expect(servers[1]!.peers.at(-1)).toBe(client.ip);
    });

    it('logs connection complete on both ends with the mTLS identities and the right addresses', async () => {
      const payload = Buffer.from('x'.repeat(1000));
      const r = await exchange(client.netns, remote.ip, 8080, payload);
      const n1 = mesh.nodes.get('node1')!;
      const n2 = mesh.nodes.get('node2')!;
      await until(
        () =>
          n2.logs.access().some((l) => l.bytes_recv === 1000) &&
          n1.logs.access().some((l) => l.bytes_sent === 1000),
        'both access log lines',
      );
      const out = n1.logs
        .access()
        .filter((l) => l.bytes_sent === 1000)
        .at(-1)!;
      expect(out).toMatchObject({
        level: 'info',
        'src.workload': 'client',
        'src.namespace': 'default',
        'src.identity': client.identity,
        'dst.addr': `${remote.ip}:15008`,
        'dst.hbone_addr': `${remote.ip}:8080`,
        'dst.workload': 'server-b',
        'dst.namespace': 'default',
        'dst.identity': remote.identity,
        direction: 'outbound',
        bytes_sent: 1000,
        bytes_recv: r.received,
      });
      expect(String(out['src.addr'])).toMatch(
        new RegExp(`^${client.ip.replaceAll('.', '\\.')}:\\d+$`),
      );
      const inb = n2.logs
        .access()
        .filter((l) => l.bytes_recv === 1000)
        .at(-1)!;
      expect(inb).toMatchObject({
        'src.workload': 'client',
        'src.identity': client.identity,
        'dst.addr': `${remote.ip}:15008`,
        'dst.hbone_addr': `${remote.ip}:8080`,
        'dst.workload': 'server-b',
        'dst.identity': remote.identity,
        direction: 'inbound',
        bytes_sent: r.received,
        bytes_recv: 1000,
      });
      // Upstream's field order.
      expect(
        Object.keys(inb).filter(
          (k) => k.includes('.') || k.startsWith('bytes') || k === 'direction',
        ),
      ).toEqual([
        'src.addr',
        'src.workload',
        'src.namespace',
        'src.identity',
        'src.cluster',
        'dst.addr',
        'dst.hbone_addr',
        'dst.workload',
        'dst.namespace',
        'dst.identity',
        'dst.cluster',
        'direction',
        'bytes_sent',
        'bytes_recv',
      ]);
    });

    it('counts in istio_tcp_* exactly the bytes the apps sent and received, for both reporters', async () => {
      const before1 = await mesh.metrics('node1');
      const before2 = await mesh.metrics('node2');
      const payload = Buffer.alloc(50_000, 1);
      const r = await exchange(client.netns, remote.ip, 8080, payload);
      const filter = { destination_workload: 'server-b' };
      await until(async () => {
        const m = await mesh.metrics('node2');
        return (
          sumMetric(m, 'istio_tcp_connections_closed_total', {
            ...filter,
            reporter: 'destination',
          }) >
          sumMetric(before2, 'istio_tcp_connections_closed_total', {
            ...filter,
            reporter: 'destination',
          })
        );
      }, 'the inbound connection to be recorded');
      await until(async () => {
        const m = await mesh.metrics('node1');
        return (
          sumMetric(m, 'istio_tcp_connections_closed_total', { ...filter, reporter: 'source' }) >
          sumMetric(before1, 'istio_tcp_connections_closed_total', {
            ...filter,
            reporter: 'source',
          })
        );
      }, 'the outbound connection to be recorded');
      const after1 = await mesh.metrics('node1');
      const after2 = await mesh.metrics('node2');
      const delta = (after: string, before: string, name: string, reporter: string): number =>
        sumMetric(after, name, { ...filter, reporter }) -
        sumMetric(before, name, { ...filter, reporter });
      // "received" is the request direction for both reporters.
      expect(delta(after1, before1, 'istio_tcp_received_bytes_total', 'source')).toBe(
        payload.length,
      );
      expect(delta(after2, before2, 'istio_tcp_received_bytes_total', 'destination')).toBe(
        payload.length,
      );
      expect(delta(after1, before1, 'istio_tcp_sent_bytes_total', 'source')).toBe(r.received);
      expect(delta(after2, before2, 'istio_tcp_sent_bytes_total', 'destination')).toBe(r.received);
      expect(delta(after1, before1, 'istio_tcp_connections_opened_total', 'source')).toBe(1);
      expect(after2).toContain(`source_principal="${client.identity}"`);
      expect(after2).toMatch(/connection_security_policy="mutual_tls"/);
    });

    it('counts the bytes of a connection that is still open', async () => {
      const s = await dial(client.netns, remote.ip, 8080);
      await new Promise((resolve) => s.once('data', resolve)); // greeting
      const before = await mesh.metrics('node2');
      const echoed = new Promise((resolve) => s.once('data', resolve));
      s.write(Buffer.alloc(4000, 2));
      await echoed;
      const filter = { reporter: 'destination', destination_workload: 'server-b' };
      await until(async () => {
        mesh.nodes.get('node2')!.ztunnel.connections.flushAll();
        const m = await mesh.metrics('node2');
        return (
          sumMetric(m, 'istio_tcp_received_bytes_total', filter) -
            sumMetric(before, 'istio_tcp_received_bytes_total', filter) ===
          4000
        );
      }, 'the open connection bytes in the metrics');
      s.end();
      await outcome(s);
    });

    it('requests one certificate per identity from the CA, impersonating the pod identity', () => {
      expect(new Set(mesh.cp.issued)).toEqual(
        new Set([client.identity, local.identity, remote.identity]),
      );
    });
  },
);
