// Faults: istiod's xDS going away mid-run, a ztunnel restart (pods come back
// from the ZDS replay), and a pod deleted while a connection to it is open.

import type { Socket } from 'node:net';
import { create } from '@bufbuild/protobuf';
import { ADDRESS_TYPE_URL, packAny, workload as wl } from '@ambient-ts/xds-types';
import { closeFd } from '@ambient-ts/linux-sockets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dial, echoServer, exchange, outcome, type EchoServer } from './harness/apps.js';
import { labUnavailable } from './harness/lab.js';
import { Mesh, until, type MeshPod } from './harness/mesh.js';
import { meshForSuite } from './harness/mesh-suite.js';
import { TestZdsServer } from './harness/zds-server.js';

/** Writes `text` and resolves with the next chunk the server sends back. */
function ping(s: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    s.once('data', (d: Buffer) => {
      resolve(d.toString());
    });
    s.once('error', reject);
    s.write(text);
  });
}

async function greeted(s: Socket): Promise<string> {
  return new Promise((resolve) =>
    s.once('data', (d: Buffer) => {
      resolve(d.toString());
    }),
  );
}

describe.skipIf(labUnavailable !== undefined)(
  `faults${labUnavailable ? ` (skipped: ${labUnavailable})` : ''}`,
  () => {
    let mesh: Mesh;
    let client: MeshPod;
    let server: MeshPod;
    let doomed: MeshPod;
    const servers: EchoServer[] = [];

    meshForSuite(servers, async (m) => {
      mesh = m;
      await mesh.ztunnel('node1');
      await mesh.ztunnel('node2');
      client = await mesh.pod('node1', 'client');
      server = await mesh.pod('node2', 'server');
      doomed = await mesh.pod('node2', 'doomed');
      servers.push(
        echoServer(server.netns, 'server', 8080),
        echoServer(doomed.netns, 'doomed', 8080),
      );
      return [client, server, doomed];
    });

    it('keeps existing and new connections working while istiod is gone, and reconnects when it is back', async () => {
      const s = await dial(client.netns, server.ip, 8080);
      expect(await greeted(s)).toBe('server\n');
      await mesh.cp.stopXds();
      const n1 = mesh.nodes.get('node1')!;
      await until(() => !n1.ztunnel.xds.snapshot().connected, 'ztunnel to notice istiod is gone');
      expect(await ping(s, 'still there?')).toBe('still there?');
      const fresh = await exchange(client.netns, server.ip, 8080, Buffer.from('new connection'));
      expect(fresh.echoed.toString()).toBe('new connection');
      const ready = await fetch(`http://127.0.0.1:${n1.addresses.readiness.port}/healthz/ready`);
      expect(ready.status).toBe(200);
      await mesh.cp.startXds();
      await until(
        () => n1.ztunnel.xds.snapshot().connected,
        'ztunnel to reconnect to istiod',
        30_000,
      );
      expect(await ping(s, 'and now?')).toBe('and now?');
      s.end();
      await outcome(s);
    });

    it('NACKs a push holding a LEGACY_ISTIO_MTLS workload as a whole and keeps serving the last good state', async () => {
      const n1 = mesh.nodes.get('node1')!;
      const address = (uid: string, tunnel: wl.TunnelProtocol) =>
        packAny(
          wl.AddressSchema,
          create(wl.AddressSchema, {
            type: {
              case: 'workload',
              value: {
                uid,
                name: uid,
                namespace: 'default',
                addresses: [new Uint8Array([198, 19, 9, 9])],
                tunnelProtocol: tunnel,
              },
            },
          }),
        );
      const nacks = n1.ztunnel.xds.snapshot().types[0]!.nacks;
      mesh.cp.store.update(ADDRESS_TYPE_URL, {
        set: [
          { name: 'valid-newcomer', resource: address('valid-newcomer', wl.TunnelProtocol.HBONE) },
          { name: 'legacy', resource: address('legacy', wl.TunnelProtocol.LEGACY_ISTIO_MTLS) },
        ],
      });
      await until(() => n1.ztunnel.xds.snapshot().types[0]!.nacks > nacks, 'the NACK');
      expect(n1.ztunnel.xds.snapshot().types[0]!.lastNackError).toContain(
        'legacy: tunnel protocol LEGACY_ISTIO_MTLS is not supported',
      );
      expect(n1.ztunnel.state.workloadByUid('valid-newcomer')).toBeUndefined();
      const r = await exchange(client.netns, server.ip, 8080, Buffer.from('last good state'));
      expect(r.echoed.toString()).toBe('last good state');
      // Once istiod stops sending the bad resource, the rest of the push goes through.
      mesh.cp.store.update(ADDRESS_TYPE_URL, { remove: ['legacy', 'valid-newcomer'] });
      await mesh.synced();
    });

    it('re-enrols every pod from the ZDS replay after a ztunnel restart', async () => {
      const before = mesh.nodes.get('node2')!;
      const hellos = before.zds.hellos;
      await before.ztunnel.close();
      const after = await mesh.ztunnel('node2');
      await until(() => after.zds.hellos === hellos + 1, 'the new ztunnel to say hello');
      await after.zds.whenSynced();
      await mesh.synced();
      await mesh.serving(server);
      const r = await exchange(client.netns, server.ip, 8080, Buffer.from('after restart'));
      expect(r.echoed.toString()).toBe('after restart');
      expect(after.ztunnel.manager.uids().sort()).toEqual([doomed.podUid, server.podUid].sort());
      expect(after.zds.acks.slice(-3)).toEqual(['', '', '']);
    });

    it('ends a connection to a pod deleted mid-stream and forgets the pod', async () => {
      await mesh.serving(doomed);
      const s = await dial(client.netns, doomed.ip, 8080);
      expect(await greeted(s)).toBe('doomed\n');
      expect(await ping(s, 'one')).toBe('one');
      const ended = outcome(s);
      // The pod goes away: its app dies, the CNI says Del, its namespace is removed.
      await servers[1]!.close();
      const n2 = mesh.nodes.get('node2')!;
      expect(await n2.zds.del(doomed.podUid)).toBe('');
      closeFd(doomed.netns);
      mesh.lab.deletePod(doomed.lab);
      await ended;
      await until(
        () => n2.ztunnel.connections.forPod(doomed.podUid).length === 0,
        'the pod connections to be gone',
      );
      expect(n2.ztunnel.manager.uids()).toEqual([server.podUid]);
      // istiod drops the workload too: its certificate is forgotten (no other local pod has the identity).
      expect(n2.ztunnel.certs.identities()).toContain(doomed.identity);
      mesh.cp.removeAddress(doomed.uid);
      await mesh.synced();
      expect(n2.ztunnel.certs.identities()).not.toContain(doomed.identity);
      expect(n2.ztunnel.certs.identities()).toContain(server.identity);
      const r = await exchange(client.netns, server.ip, 8080, Buffer.from('others unaffected'));
      expect(r.echoed.toString()).toBe('others unaffected');
    });

    it('keeps its pods and their connections while the CNI agent restarts, and takes the replay', async () => {
      const n2 = mesh.nodes.get('node2')!;
      const s = await dial(client.netns, server.ip, 8080);
      expect(await greeted(s)).toBe('server\n');
      n2.zds.close();
      await until(() => !n2.ztunnel.zds.connected, 'ztunnel to notice the CNI agent is gone');
      // Not ready (no snapshot on the current connection) but still serving everything it has.
      await until(() => !n2.ztunnel.readiness.ready, 'readiness to drop');
      expect(await ping(s, 'cni gone')).toBe('cni gone');
      const fresh = await exchange(
        client.netns,
        server.ip,
        8080,
        Buffer.from('new while cni gone'),
      );
      expect(fresh.echoed.toString()).toBe('new while cni gone');
      // The agent comes back and replays its pods: same netns, so the proxies are kept.
      const zds = new TestZdsServer(n2.zds.path);
      try {
        for (const p of [server]) {
          void zds.add({
            uid: p.podUid,
            name: p.name,
            namespace: p.namespace,
            serviceAccount: p.serviceAccount,
            netnsPath: p.lab.path,
          });
        }
        await zds.whenSynced();
        await until(() => n2.ztunnel.readiness.ready, 'readiness after the replay');
        expect(zds.acks).toEqual(['', '']);
        expect(await ping(s, 'cni back')).toBe('cni back');
      } finally {
        s.destroy();
        zds.close();
      }
    });
  },
);

describe.skipIf(labUnavailable !== undefined)(
  `rolling upgrade${labUnavailable ? ` (skipped: ${labUnavailable})` : ''}`,
  () => {
    let mesh: Mesh;
    let client: MeshPod;
    let server: MeshPod;
    let echo: EchoServer;

    beforeAll(async () => {
      mesh = await Mesh.create();
      try {
        await mesh.ztunnel('node1');
        // Connections queued on the old ztunnel's listeners move to the new one's when they close.
        client = await mesh.pod('node1', 'client', { migrateRequestsOnListenerClose: true });
        server = await mesh.pod('node1', 'server', { migrateRequestsOnListenerClose: true });
        echo = echoServer(server.netns, 'server', 8080);
        await mesh.synced();
        await mesh.ready();
        for (const p of [client, server]) await mesh.serving(p);
      } catch (err) {
        await mesh.close();
        throw err;
      }
    });
    afterAll(async () => {
      await echo?.close();
      await mesh?.close();
    });

    it('keeps new connections working while a new ztunnel takes over the pods (SO_REUSEPORT) and the old one drains', async () => {
      const old = mesh.nodes.get('node1')!;
      const next = await mesh.upgrade('node1');
      await next.zds.whenSynced();
      // Every pod listener, DNS included, shares its port with the old ztunnel's.
      expect(next.zds.acks).toEqual(['', '', '']);
      await until(
        () => next.ztunnel.proxy(server.podUid)?.hboneServing === true,
        'the new ztunnel to serve',
      );
      await until(
        () => next.ztunnel.proxy(client.podUid)?.hboneServing === true,
        'the new ztunnel to serve the client',
      );
      const long = await dial(client.netns, server.ip, 8080);
      long.on('error', () => undefined); // served by the old ztunnel, it is closed when the drain ends
      expect(await greeted(long)).toBe('server\n');
      const draining = old.ztunnel.close();
      let ok = 0;
      for (let i = 0; i < 20; i++) {
        const r = await exchange(client.netns, server.ip, 8080, Buffer.from(`call ${i}`));
        if (r.echoed.toString() === `call ${i}`) ok++;
      }
      expect(ok).toBe(20);
      await draining;
      const after = await exchange(
        client.netns,
        server.ip,
        8080,
        Buffer.from('after the old one left'),
      );
      expect(after.echoed.toString()).toBe('after the old one left');
      long.destroy();
    });
  },
);
