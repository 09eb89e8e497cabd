import { describe, expect, it } from 'vitest';
import type { ConnectionLine } from './access-log.js';
import {
  BOOKINFO_EDGES,
  checkEdge,
  linesOfEdge,
  spiffeId,
  type PodFacts,
  type ZtunnelLine,
} from './identity-edges.js';

const NS = 'bi';
const pods: PodFacts[] = [
  { name: 'productpage-v1-a', app: 'productpage', ips: ['10.244.0.10'], node: 'node-1' },
  { name: 'details-v1-b', app: 'details', ips: ['10.244.1.20'], node: 'node-2' },
  { name: 'reviews-v2-c', app: 'reviews', ips: ['10.244.1.30'], node: 'node-2' },
  { name: 'ratings-v1-d', app: 'ratings', ips: ['10.244.0.40'], node: 'node-1' },
];
const pp = spiffeId(NS, 'bookinfo-productpage');
const details = spiffeId(NS, 'bookinfo-details');

function line(over: Partial<ConnectionLine> & { ztunnelNode: string }): ZtunnelLine {
  return {
    level: 'info',
    time: undefined,
    direction: 'outbound',
    srcAddr: '10.244.0.10:40000',
    dstAddr: '10.244.1.20:15008',
    hboneAddr: '10.244.1.20:9080',
    srcWorkload: undefined,
    dstWorkload: undefined,
    dstService: undefined,
    srcIdentity: pp,
    dstIdentity: details,
    error: undefined,
    raw: '',
    ztunnelPod: `ztunnel-${over.ztunnelNode}`,
    ...over,
  };
}

const edge = BOOKINFO_EDGES[0]!;
const good = [
  line({ ztunnelNode: 'node-1' }),
  line({ direction: 'inbound', ztunnelNode: 'node-2' }),
];

describe('bookinfo edges in ztunnel access logs', () => {
  it('builds SPIFFE ids from namespace and service account', () => {
    expect(spiffeId('default', 'bookinfo-details')).toBe(
      'spiffe://cluster.local/ns/default/sa/bookinfo-details',
    );
  });

  it('proves an edge with an outbound and an inbound line carrying the exact identities', () => {
    const r = checkEdge(edge, NS, pods, good);
    expect(r.problems).toEqual([]);
    expect(r.outbound).toHaveLength(1);
    expect(r.inbound).toHaveLength(1);
  });

  it('matches lines by pod addresses, not by the identities under test', () => {
    const other = line({ ztunnelNode: 'node-1', srcAddr: '10.244.9.9:1' });
    expect(linesOfEdge(edge, pods, [other])).toEqual([]);
    // Found through dst.addr alone when the authority is a VIP.
    const viaAddr = line({ ztunnelNode: 'node-1', hboneAddr: '10.96.0.50:9080' });
    expect(linesOfEdge(edge, pods, [viaAddr])).toHaveLength(1);
  });

  it('reports a missing side', () => {
    expect(checkEdge(edge, NS, pods, [good[0]!]).problems).toEqual([
      'productpage→details: no inbound "connection complete" line in any ztunnel log',
    ]);
  });

  it('reports wrong or missing identities (plaintext) and failures', () => {
    const wrong = [
      line({ ztunnelNode: 'node-1', srcIdentity: spiffeId(NS, 'default') }),
      line({
        direction: 'inbound',
        ztunnelNode: 'node-2',
        dstIdentity: undefined,
        error: 'connection closed due to policy rejection: allow policies exist, but none allowed',
      }),
    ];
    expect(checkEdge(edge, NS, pods, wrong).problems).toEqual([
      `productpage→details outbound (ztunnel ztunnel-node-1): src.identity spiffe://cluster.local/ns/bi/sa/default, expected ${pp}`,
      'productpage→details inbound (ztunnel ztunnel-node-2): failed: connection closed due to policy rejection: allow policies exist, but none allowed',
      `productpage→details inbound (ztunnel ztunnel-node-2): dst.identity (none), expected ${details}`,
    ]);
  });

  it("reports a line logged by a ztunnel on the wrong node (not the pod's own)", () => {
    const misplaced = [good[0]!, line({ direction: 'inbound', ztunnelNode: 'node-1' })];
    expect(checkEdge(edge, NS, pods, misplaced).problems).toEqual([
      'productpage→details inbound (ztunnel ztunnel-node-1): logged on node-1, but the destination pod runs on node-2',
    ]);
  });
});
