// Issue 12 finding 6a: an open inbound connection whose destination workload
// vanished from xDS must not survive the next policy re-check. ztunnel
// re-checks open connections on every push; a workload it can no longer find
// has no policies to check against, so the connection is denied and closed.
// Real stand-in istiod, real ztunnels, pods in network namespaces.

import { recordAttack } from '@ambient-ts/security-table';
import { security } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { dial, echoServer, outcome, type EchoServer } from './harness/apps.js';
import { labUnavailable } from './harness/lab.js';
import { type Mesh, until, type MeshPod } from './harness/mesh.js';
import { meshForSuite } from './harness/mesh-suite.js';

describe.skipIf(labUnavailable !== undefined)(
  `vanished workload${labUnavailable ? ` (skipped: ${labUnavailable})` : ''}`,
  () => {
    let mesh: Mesh;
    let client: MeshPod;
    let server: MeshPod;
    const servers: EchoServer[] = [];
    meshForSuite(servers, async (m) => {
      mesh = m;
      await mesh.ztunnel('node1');
      await mesh.ztunnel('node2');
      client = await mesh.pod('node1', 'vw-client');
      server = await mesh.pod('node2', 'vw-server', { namespace: 'vanishing' });
      servers.push(echoServer(server.netns, server.name, 8080));
      return [client, server];
    });

    it('closes an open connection to a workload removed from xDS at the next re-check', async () => {
      const s = await dial(client.netns, server.ip, 8080);
      const ended = outcome(s);
      const greeting = await new Promise<string>((resolve) =>
        s.once('data', (d: Buffer) => {
          resolve(d.toString());
        }),
      );
      expect(greeting).toBe('vw-server\n');

      // The workload leaves xDS (its pod stays enrolled); then an unrelated push.
      mesh.cp.removeAddress(server.uid);
      mesh.cp.setPolicy({
        name: 'unrelated',
        namespace: 'elsewhere',
        scope: security.Scope.NAMESPACE,
        action: security.Action.DENY,
        rules: [{ clauses: [{ matches: [{ destinationPorts: [1] }] }] }],
      });
      await mesh.synced();
      const result = await Promise.race([
        ended,
        new Promise<'still open'>((resolve) =>
          setTimeout(() => {
            resolve('still open');
          }, 3000),
        ),
      ]);
      s.destroy();
      expect(result).not.toBe('still open');
      const n2 = mesh.nodes.get('node2')!;
      await until(
        () =>
          n2.logs
            .access()
            .some(
              (l) =>
                l.error === 'connection closed due to policy change' &&
                l['dst.workload'] === 'vw-server',
            ),
        'the policy-change close in the access log',
      );
      recordAttack({
        finding: '12.6 vanished workload',
        attack: 'keep a connection open to a workload after it vanished from xDS',
        sent: 'open HBONE connection; istiod removes the destination workload, then pushes a policy',
        happened: `connection ${result} within 3 s (access log: connection closed due to policy change)`,
      });
    });
  },
);
