// Issue 12 finding 6a without network namespaces (the netns lab variant is
// test/vanished-workload.security.test.ts): ztunnel's connection manager
// re-checks open inbound connections on every push with stillAuthorized; a
// destination workload that left xDS has no policies to check against, so its
// connections are denied and closed, not kept.

import { recordAttack } from '@ambient-ts/security-table';
import { parseSpiffeId } from '@ambient-ts/spiffe';
import { requireIp } from '@ambient-ts/workload-state';
import { storeWith, testWorkload } from '@ambient-ts/workload-state/testing';
import { describe, expect, it } from 'vitest';
import { ConnectionManager } from './connection-manager.js';
import { stillAuthorized } from './inbound-decision.js';

describe('the re-check of open inbound connections', () => {
  it('closes a connection whose destination workload vanished from xDS', () => {
    const server = testWorkload('server', '10.0.2.2');
    const { state, updater } = storeWith([server]);
    const connections = new ConnectionManager();
    const closed: string[] = [];
    connections.track({
      podUid: 'pod-server',
      direction: 'inbound',
      src: '10.0.1.2:40000',
      originalDst: '10.0.2.2:8080',
      actualDst: '10.0.2.2:8080',
      protocol: 'HBONE',
      authorization: {
        workloadUid: server.uid,
        peer: parseSpiffeId('spiffe://cluster.local/ns/default/sa/client'),
        srcIp: requireIp('10.0.1.2', 't'),
        dstIp: requireIp('10.0.2.2', 't'),
        port: 8080,
      },
      close: (reason) => closed.push(reason),
    });
    // Still there, no policies: kept.
    expect(connections.recheck((a) => stillAuthorized(state, a))).toBe(0);

    updater.applyAddresses({ workloads: [], services: [], removed: [server.uid] });
    const n = connections.recheck((a) => stillAuthorized(state, a));
    expect(n).toBe(1);
    expect(closed).toEqual(['connection closed due to policy change']);
    expect(connections.size).toBe(0);
    recordAttack({
      finding: '12.6 vanished workload',
      attack:
        'keep a connection open to a workload after it vanished from xDS (re-check, no netns)',
      sent: 'open inbound HBONE connection; the destination workload is removed from WDS',
      happened: `re-check closed ${n} connection(s): "${closed[0] ?? 'none'}"`,
    });
  });
});
