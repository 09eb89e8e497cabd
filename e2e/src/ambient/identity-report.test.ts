import { describe, expect, it } from 'vitest';
import { BOOKINFO_EDGES, spiffeId, type EdgeReport, type ZtunnelLine } from './identity-edges.js';
import { formatEdgeReports } from './identity-report.js';

const base: ZtunnelLine = {
  level: 'info',
  time: undefined,
  direction: 'outbound',
  srcAddr: '10.244.0.10:1',
  dstAddr: '10.244.1.20:15008',
  hboneAddr: undefined,
  srcWorkload: undefined,
  dstWorkload: undefined,
  dstService: undefined,
  srcIdentity: undefined,
  dstIdentity: undefined,
  error: undefined,
  raw: 'RAW-OUT',
  ztunnelPod: 'ztunnel-a',
  ztunnelNode: 'node-1',
};

describe('printing the identity evidence', () => {
  it('shows the newest successful line per side and the problems', () => {
    const report: EdgeReport = {
      edge: BOOKINFO_EDGES[0]!,
      expectedSrc: spiffeId('bi', 'bookinfo-productpage'),
      expectedDst: spiffeId('bi', 'bookinfo-details'),
      outbound: [base, { ...base, raw: 'RAW-OUT-2' }, { ...base, raw: 'FAILED', error: 'x' }],
      inbound: [],
      problems: ['productpage→details: no inbound "connection complete" line in any ztunnel log'],
    };
    expect(formatEdgeReports([report])).toBe(
      [
        'productpage → details (3 outbound, 0 inbound lines)',
        '  expected src.identity=spiffe://cluster.local/ns/bi/sa/bookinfo-productpage',
        '  expected dst.identity=spiffe://cluster.local/ns/bi/sa/bookinfo-details',
        '  outbound on node-1 (ztunnel-a):',
        '    RAW-OUT-2',
        '  PROBLEM: productpage→details: no inbound "connection complete" line in any ztunnel log',
      ].join('\n'),
    );
  });

  it('pairs the outbound line with the inbound line of the same connection', () => {
    const out = {
      ...base,
      hboneAddr: '10.244.1.20:9080',
      time: '2026-01-01T00:00:10.000Z',
      raw: 'OUT',
    };
    const inbound = (raw: string, hboneAddr: string, time: string): ZtunnelLine => ({
      ...base,
      direction: 'inbound',
      hboneAddr,
      time,
      raw,
      ztunnelPod: 'ztunnel-b',
      ztunnelNode: 'node-2',
    });
    const report: EdgeReport = {
      edge: BOOKINFO_EDGES[0]!,
      expectedSrc: spiffeId('bi', 'bookinfo-productpage'),
      expectedDst: spiffeId('bi', 'bookinfo-details'),
      outbound: [out],
      inbound: [
        inbound('SAME-EARLY', '10.244.1.20:9080', '2026-01-01T00:00:01.000Z'),
        inbound('SAME-CLOSE', '10.244.1.20:9080', '2026-01-01T00:00:10.001Z'),
        inbound('OTHER-POD', '10.244.1.99:9080', '2026-01-01T00:00:10.000Z'),
      ],
      problems: [],
    };
    const text = formatEdgeReports([report]);
    expect(text).toContain('  inbound on node-2 (ztunnel-b):\n    SAME-CLOSE');
  });
});
