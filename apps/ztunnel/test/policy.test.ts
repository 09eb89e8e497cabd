// L4 authorization on inbound (istio.security.Authorization pushed over xDS):
// allow/deny by principal, namespace, port and ipBlock; connections a policy
// change no longer allows are closed; HBONE refuses plaintext and foreign
// identities.

import { Socket } from 'node:net';
import { ConnectStatusError, HbonePool, type TcpDialer } from '@ambient-ts/hbone';
import { connectTcpInNetns, type NetnsFd } from '@ambient-ts/linux-sockets';
import {
  CertificateAuthority,
  createCsr,
  generateWorkloadKey,
  istioIdentity,
  type SpiffeId,
} from '@ambient-ts/spiffe';
import { security } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { dial, echoServer, exchange, outcome, type EchoServer } from './harness/apps.js';
import { labUnavailable } from './harness/lab.js';
import { ipBytes, type Mesh, sumMetric, until, type MeshPod } from './harness/mesh.js';
import { meshForSuite } from './harness/mesh-suite.js';

const exact = (value: string) => ({ matchType: { case: 'exact' as const, value } });

/** True when the connection was refused: no greeting from the app ever arrived. */
async function refused(netns: NetnsFd, ip: string, port: number): Promise<boolean> {
  try {
    await exchange(netns, ip, port, Buffer.from('knock'));
    return false;
  } catch {
    return true;
  }
}

function podDialer(netns: NetnsFd): TcpDialer {
  return async (destination) => {
    const fd = await connectTcpInNetns(netns, {
      host: destination.ip,
      port: destination.port,
      timeoutMs: 5000,
    });
    return new Socket({ fd, readable: true, writable: true });
  };
}

async function svid(ca: CertificateAuthority, id: SpiffeId) {
  const key = await generateWorkloadKey();
  const chain = await ca.sign(await createCsr(id, key), { identity: id });
  return {
    identity: id,
    certChainPem: chain.slice(0, -1),
    keyPem: key.privateKeyPem,
    trustBundle: [ca.rootCertPem],
  };
}

describe.skipIf(labUnavailable !== undefined)(
  `L4 authorization${labUnavailable ? ` (skipped: ${labUnavailable})` : ''}`,
  () => {
    let mesh: Mesh;
    type PodName =
      | 'clientA'
      | 'clientB'
      | 'devClient'
      | 'rogue'
      | 'guarded'
      | 'prod'
      | 'ports'
      | 'ipsrv'
      | 'change';
    const p = {} as Record<PodName, MeshPod>;
    const servers: EchoServer[] = [];

    meshForSuite(servers, async (m) => {
      mesh = m;
      await mesh.ztunnel('node1');
      await mesh.ztunnel('node2');
      p.clientA = await mesh.pod('node1', 'client-a');
      p.clientB = await mesh.pod('node1', 'client-b');
      p.devClient = await mesh.pod('node1', 'dev-client', { namespace: 'dev' });
      p.rogue = await mesh.pod('node1', 'rogue', { captured: false });
      p.guarded = await mesh.pod('node2', 'guarded', {
        workload: { authorizationPolicies: ['default/allow-client-a'] },
      });
      p.prod = await mesh.pod('node2', 'prod-srv', { namespace: 'prod' });
      p.ports = await mesh.pod('node2', 'ports-srv', {
        workload: { authorizationPolicies: ['default/only-8080'] },
      });
      p.ipsrv = await mesh.pod('node2', 'ip-srv', {
        workload: { authorizationPolicies: ['default/deny-client-b-ip'] },
      });
      p.change = await mesh.pod('node2', 'change-srv', { namespace: 'changing' });
      mesh.cp.setPolicy({
        name: 'allow-client-a',
        namespace: 'default',
        scope: security.Scope.WORKLOAD_SELECTOR,
        action: security.Action.ALLOW,
        rules: [
          {
            clauses: [
              { matches: [{ principals: [exact('cluster.local/ns/default/sa/client-a')] }] },
            ],
          },
        ],
      });
      mesh.cp.setPolicy({
        name: 'deny-dev',
        namespace: 'prod',
        scope: security.Scope.NAMESPACE,
        action: security.Action.DENY,
        rules: [{ clauses: [{ matches: [{ namespaces: [exact('dev')] }] }] }],
      });
      mesh.cp.setPolicy({
        name: 'only-8080',
        namespace: 'default',
        scope: security.Scope.WORKLOAD_SELECTOR,
        action: security.Action.ALLOW,
        rules: [{ clauses: [{ matches: [{ destinationPorts: [8080] }] }] }],
      });
      mesh.cp.setPolicy({
        name: 'deny-client-b-ip',
        namespace: 'default',
        scope: security.Scope.WORKLOAD_SELECTOR,
        action: security.Action.DENY,
        rules: [
          {
            clauses: [
              { matches: [{ sourceIps: [{ address: ipBytes(p.clientB.ip), length: 32 }] }] },
            ],
          },
        ],
      });
      for (const pod of [p.guarded, p.prod, p.ports, p.ipsrv, p.change]) {
        servers.push(echoServer(pod.netns, pod.name, 8080));
      }
      servers.push(echoServer(p.ports.netns, 'ports-9090', 9090));
      return Object.values(p).filter((pod) => pod.captured);
    });

    it('allows by principal and denies every other peer, logging the policy rejection', async () => {
      expect(await refused(p.clientA.netns, p.guarded.ip, 8080)).toBe(false);
      expect(await refused(p.clientB.netns, p.guarded.ip, 8080)).toBe(true);
      const n2 = mesh.nodes.get('node2')!;
      await until(
        () =>
          n2.logs
            .access()
            .some(
              (l) =>
                l.level === 'error' &&
                l['src.identity'] === p.clientB.identity &&
                l.error ===
                  'connection closed due to policy rejection: allow policies exist, but none allowed',
            ),
        'the denial in the access log',
      );
      const m = await mesh.metrics('node2');
      expect(
        sumMetric(m, 'istio_tcp_connections_closed_total', {
          reporter: 'destination',
          response_flags: 'DENY',
          destination_workload: 'guarded',
        }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('denies plaintext from outside the mesh where only a principal is allowed', async () => {
      expect(await refused(p.rogue.netns, p.guarded.ip, 8080)).toBe(true);
    });

    it('denies a whole source namespace with a namespace-scoped DENY', async () => {
      expect(await refused(p.devClient.netns, p.prod.ip, 8080)).toBe(true);
      expect(await refused(p.clientA.netns, p.prod.ip, 8080)).toBe(false);
      const n2 = mesh.nodes.get('node2')!;
      await until(
        () =>
          n2.logs
            .access()
            .some(
              (l) =>
                l.error ===
                'connection closed due to policy rejection: explicitly denied by: prod/deny-dev',
            ),
        'the explicit deny line',
      );
    });

    it('allows by destination port (the target port, never 15008)', async () => {
      expect(await refused(p.clientA.netns, p.ports.ip, 8080)).toBe(false);
      expect(await refused(p.clientA.netns, p.ports.ip, 9090)).toBe(true);
    });

    it('denies by source ipBlock', async () => {
      expect(await refused(p.clientB.netns, p.ipsrv.ip, 8080)).toBe(true);
      expect(await refused(p.clientA.netns, p.ipsrv.ip, 8080)).toBe(false);
    });

    it('closes an open connection that a new policy no longer allows', async () => {
      const s = await dial(p.clientA.netns, p.change.ip, 8080);
      const ended = outcome(s);
      const greeting = await new Promise<string>((resolve) =>
        s.once('data', (d: Buffer) => {
          resolve(d.toString());
        }),
      );
      expect(greeting).toBe('change-srv\n');
      mesh.cp.setPolicy({
        name: 'late-deny',
        namespace: 'changing',
        scope: security.Scope.NAMESPACE,
        action: security.Action.DENY,
        rules: [
          {
            clauses: [
              { matches: [{ principals: [exact('cluster.local/ns/default/sa/client-a')] }] },
            ],
          },
        ],
      });
      await ended;
      const n2 = mesh.nodes.get('node2')!;
      await until(
        () =>
          n2.logs
            .access()
            .some(
              (l) =>
                l.error === 'connection closed due to policy change' &&
                l['dst.workload'] === 'change-srv',
            ),
        'the policy-change close in the log',
      );
      expect(await refused(p.clientA.netns, p.change.ip, 8080)).toBe(true);
    });

    it('closes a plaintext connection to the HBONE port without answering', async () => {
      const s = await dial(p.rogue.netns, p.guarded.ip, 15008);
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await outcome(s);
      expect(Buffer.concat(got).toString('latin1')).not.toContain('HTTP/1.1 200');
    });

    it('refuses CONNECT from a foreign CA, from another trust domain, and answers 401 to a mesh identity the policy denies', async () => {
      const pool = new HbonePool({
        dialer: podDialer(p.rogue.netns),
        settings: { connectTimeoutMs: 5000 },
      });
      const connect = (source: Awaited<ReturnType<typeof svid>>) =>
        pool.connect({
          source,
          destination: {
            address: `${p.guarded.ip}:15008`,
            expectedIdentities: [istioIdentity('cluster.local', 'default', 'guarded')],
          },
          target: `${p.guarded.ip}:8080`,
        });
      try {
        const foreignCa = await CertificateAuthority.selfSigned({ trustDomain: 'cluster.local' });
        const foreign = await svid(
          foreignCa,
          istioIdentity('cluster.local', 'default', 'client-a'),
        );
        // The foreign client does trust the mesh root, so only the server's check can refuse it.
        await expect(
          connect({ ...foreign, trustBundle: [mesh.cp.ca.rootCertPem] }),
        ).rejects.toThrow();
        const evilTd = await svid(mesh.cp.ca, istioIdentity('evil.local', 'default', 'client-a'));
        await expect(connect(evilTd)).rejects.toThrow();
        const clientB = await svid(
          mesh.cp.ca,
          istioIdentity('cluster.local', 'default', 'client-b'),
        );
        const denied = await connect(clientB).catch((e: unknown) => e);
        expect(denied).toBeInstanceOf(ConnectStatusError);
        expect((denied as ConnectStatusError).status).toBe(401);
        const allowed = await connect(
          await svid(mesh.cp.ca, istioIdentity('cluster.local', 'default', 'client-a')),
        );
        allowed.destroy();
      } finally {
        pool.destroy();
      }
    });
  },
);
