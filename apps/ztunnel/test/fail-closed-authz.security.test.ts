// Issue 12 finding 1: a rejected Authorization must not fail open. One delta
// response carries a valid namespace DENY and an unreadable one (a 3-byte
// source CIDR); through the real stand-in istiod, the real delta-ADS client
// and real ztunnels in network namespaces: the valid one is enforced, the NACK
// names the bad one only, and traffic in the bad one's namespace is denied
// until a good version arrives. A resource that cannot even be decoded gives
// no scope at all, so the whole mesh is denied until it is removed.

import { create } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { recordAttack } from '@ambient-ts/security-table';
import { AUTHORIZATION_TYPE_URL, security } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { echoServer, exchange, type EchoServer } from './harness/apps.js';
import { labUnavailable } from './harness/lab.js';
import { type Mesh, until, type MeshPod } from './harness/mesh.js';
import { meshForSuite } from './harness/mesh-suite.js';

const FINDING = '12.1 fail-closed authz';

describe.skipIf(labUnavailable !== undefined)(
  `fail-closed Authorization${labUnavailable ? ` (skipped: ${labUnavailable})` : ''}`,
  () => {
    let mesh: Mesh;
    let client: MeshPod;
    let alpha: MeshPod;
    let beta: MeshPod;
    let gamma: MeshPod;

    /** 'served' when the app greeted us, else how the attempt failed. */
    async function attempt(to: MeshPod): Promise<string> {
      try {
        const ex = await exchange(client.netns, to.ip, 8080, Buffer.from('knock'));
        return ex.server === to.name ? 'served' : `served by ${ex.server}`;
      } catch (err) {
        return `refused (${err instanceof Error ? err.message : String(err)})`;
      }
    }
    const nackError = (): string => {
      const type = mesh.nodes
        .get('node2')!
        .ztunnel.xds.snapshot()
        .types.find((t) => t.typeUrl === AUTHORIZATION_TYPE_URL);
      return type?.lastNackError ?? '';
    };

    const servers: EchoServer[] = [];
    meshForSuite(servers, async (m) => {
      mesh = m;
      await mesh.ztunnel('node1');
      await mesh.ztunnel('node2');
      client = await mesh.pod('node1', 'fc-client');
      alpha = await mesh.pod('node2', 'fc-alpha', { namespace: 'alpha' });
      beta = await mesh.pod('node2', 'fc-beta', { namespace: 'beta' });
      gamma = await mesh.pod('node2', 'fc-gamma', { namespace: 'gamma' });
      for (const pod of [alpha, beta, gamma]) servers.push(echoServer(pod.netns, pod.name, 8080));
      return [client, alpha, beta, gamma];
    });

    it('applies the valid policy of the response, NACKs the bad one by name, and denies in its scope', async () => {
      for (const pod of [alpha, beta, gamma]) expect(await attempt(pod)).toBe('served');

      // Same tick: both land in one debounced response.
      mesh.cp.setPolicy({
        name: 'deny-8080',
        namespace: 'alpha',
        scope: security.Scope.NAMESPACE,
        action: security.Action.DENY,
        rules: [{ clauses: [{ matches: [{ destinationPorts: [8080] }] }] }],
      });
      mesh.cp.setPolicy({
        name: 'deny-range',
        namespace: 'beta',
        scope: security.Scope.NAMESPACE,
        action: security.Action.DENY,
        // Meant "deny 10.0.0.0/8 on 9999"; the 3-byte address cannot be read.
        rules: [
          {
            clauses: [
              {
                matches: [
                  {
                    sourceIps: [{ address: new Uint8Array([10, 0, 0]), length: 8 }],
                    destinationPorts: [9999],
                  },
                ],
              },
            ],
          },
        ],
      });
      await until(() => nackError().includes('beta/deny-range'), 'the NACK naming beta/deny-range');
      const nack = nackError();
      expect(nack).toContain('sourceIps[0]');
      expect(nack).not.toContain('alpha/deny-8080');

      const toAlpha = await attempt(alpha);
      const toBeta = await attempt(beta);
      const toGamma = await attempt(gamma);
      expect(toAlpha).toMatch(/^refused/); // (a) the valid DENY is enforced
      expect(toBeta).toMatch(/^refused/); // (c) the rejected one's namespace is denied
      expect(toGamma).toBe('served'); // other namespaces are untouched
      recordAttack({
        finding: FINDING,
        attack: 'one unreadable namespace DENY next to a valid DENY in one delta response',
        sent: 'Authorization beta/deny-range with a 3-byte sourceIps address + valid alpha/deny-8080',
        happened: `NACK "${nack.slice(0, 90)}…"; client→alpha:8080 ${toAlpha.split(' ')[0]}, →beta:8080 ${toBeta.split(' ')[0]}, →gamma:8080 ${toGamma}`,
      });

      // A good version of the key lifts the stand-in.
      mesh.cp.setPolicy({
        name: 'deny-range',
        namespace: 'beta',
        scope: security.Scope.NAMESPACE,
        action: security.Action.DENY,
        rules: [{ clauses: [{ matches: [{ destinationPorts: [9999] }] }] }],
      });
      await until(async () => (await attempt(beta)) === 'served', 'beta served again');
      expect(await attempt(alpha)).toMatch(/^refused/);
    });

    it('denies the whole mesh while an undecodable Authorization is in force, until it is removed', async () => {
      mesh.cp.store.set(AUTHORIZATION_TYPE_URL, {
        name: 'delta/garbled',
        resource: create(AnySchema, {
          typeUrl: AUTHORIZATION_TYPE_URL,
          value: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        }),
      });
      await until(() => nackError().includes('delta/garbled'), 'the NACK naming delta/garbled');
      const toGamma = await attempt(gamma);
      expect(toGamma).toMatch(/^refused/);
      recordAttack({
        finding: FINDING,
        attack: 'an Authorization that cannot be decoded (scope unknown)',
        sent: 'resource delta/garbled whose bytes are not a valid istio.security.Authorization',
        happened: `NACK "${nackError().slice(0, 70)}…"; client→gamma:8080 (another namespace) ${toGamma.split(' ')[0]}`,
      });

      mesh.cp.removePolicy('delta/garbled');
      await until(async () => (await attempt(gamma)) === 'served', 'gamma served again');
    });
  },
);
