// The per-pod DNS proxy behind the real in-pod DNS capture rules: service
// names are answered from the registry, everything else is forwarded to the
// upstream resolver from a marked socket that leaves the pod.

import { createSocket } from 'node:dgram';
import { Socket } from 'node:net';
import dnsPacket from 'dns-packet';
import { bindUdpInNetns, connectTcpInNetns, type NetnsFd } from '@ambient-ts/linux-sockets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labUnavailable } from './harness/lab.js';
import { ipBytes, Mesh, type MeshPod } from './harness/mesh.js';

const VIP = '198.18.100.7';
/** Any address: the pod's rules send port 53 to ztunnel whatever the destination. */
const POD_RESOLVER = '198.19.99.99';

function query(name: string, id = 42): Buffer {
  return dnsPacket.encode({
    id,
    type: 'query',
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', name }],
  });
}

function addresses(reply: Buffer): string[] {
  return (dnsPacket.decode(reply).answers ?? []).map((a) => String((a as { data: unknown }).data));
}

async function udpAsk(netns: NetnsFd, name: string): Promise<Buffer> {
  const sock = createSocket('udp4');
  sock.bind({ fd: bindUdpInNetns(netns, { host: '0.0.0.0', port: 0 }) });
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      sock.once('message', resolve);
      sock.once('error', reject);
      sock.send(query(name), 53, POD_RESOLVER);
    });
  } finally {
    sock.close();
  }
}

async function tcpAsk(netns: NetnsFd, name: string): Promise<Buffer> {
  const fd = await connectTcpInNetns(netns, { host: POD_RESOLVER, port: 53, timeoutMs: 5000 });
  const s = new Socket({ fd, readable: true, writable: true });
  const q = query(name);
  const framed = Buffer.alloc(2 + q.length);
  framed.writeUInt16BE(q.length, 0);
  q.copy(framed, 2);
  return new Promise<Buffer>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        s.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    s.once('error', reject);
    s.write(framed);
  });
}

describe.skipIf(labUnavailable !== undefined)(
  `DNS proxy${labUnavailable ? ` (skipped: ${labUnavailable})` : ''}`,
  () => {
    let mesh: Mesh;
    let client: MeshPod;
    let resolver: MeshPod;
    let upstream: ReturnType<typeof createSocket>;
    const forwarded: string[] = [];

    beforeAll(async () => {
      mesh = await Mesh.create();
      try {
        mesh.lab.node('node1');
        // An outside resolver in a pod of its own: answers every A query with 192.0.2.1.
        resolver = await mesh.pod('node1', 'resolver', { captured: false, xds: false });
        upstream = createSocket('udp4');
        upstream.bind({ fd: bindUdpInNetns(resolver.netns, { host: '0.0.0.0', port: 53 }) });
        upstream.on('message', (msg, rinfo) => {
          const q = dnsPacket.decode(msg);
          const question = q.questions?.[0];
          if (!question) return;
          forwarded.push(question.name);
          upstream.send(
            dnsPacket.encode({
              id: q.id ?? 0,
              type: 'response',
              questions: [question],
              answers: [
                { type: 'A', name: question.name, ttl: 60, class: 'IN', data: '192.0.2.1' },
              ],
            }),
            rinfo.port,
            rinfo.address,
          );
        });
        await mesh.ztunnel('node1', { DNS_UPSTREAM: `${resolver.ip}:53` });
        client = await mesh.pod('node1', 'client', { dnsCapture: true });
        mesh.service({
          name: 'echo',
          namespace: 'default',
          hostname: 'echo.default.svc.cluster.local',
          addresses: [{ network: '', address: ipBytes(VIP) }],
          ports: [{ servicePort: 80, targetPort: 8080 }],
        });
        await mesh.synced();
        await mesh.ready();
        await mesh.serving(client);
      } catch (err) {
        await mesh.close();
        throw err;
      }
    });
    afterAll(async () => {
      upstream?.close();
      await mesh?.close();
    });

    it('answers a service FQDN and its short name with the VIP, over UDP', async () => {
      expect(addresses(await udpAsk(client.netns, 'echo.default.svc.cluster.local'))).toEqual([
        VIP,
      ]);
      expect(addresses(await udpAsk(client.netns, 'echo'))).toEqual([VIP]);
      expect(forwarded).toEqual([]);
    });

    it('forwards other names to the upstream resolver, from inside the pod', async () => {
      expect(addresses(await udpAsk(client.netns, 'example.com'))).toEqual(['192.0.2.1']);
      expect(forwarded).toEqual(['example.com']);
    });

    it('answers over TCP too', async () => {
      expect(addresses(await tcpAsk(client.netns, 'echo.default.svc.cluster.local'))).toEqual([
        VIP,
      ]);
    });
  },
);
