import { describe, expect, it } from 'vitest';
import { BOOKINFO_EDGES, spiffeId, type EdgeReport, type ZtunnelLine } from './identity-edges.js';
import { edgeCounts } from './identity-proof.js';
import { parsePromText } from './prom-text.js';

const pp = spiffeId('bi', 'bookinfo-productpage');
const det = spiffeId('bi', 'bookinfo-details');
const line = {} as ZtunnelLine;
const report: EdgeReport = {
  edge: BOOKINFO_EDGES[0]!,
  expectedSrc: pp,
  expectedDst: det,
  outbound: [line, line],
  inbound: [line],
  problems: [],
};

describe('connection counters next to access-log lines', () => {
  it('sums each reporter over all ztunnels, only for the pair over mutual TLS', () => {
    const l = `source_principal="${pp}",destination_principal="${det}"`;
    const samples = parsePromText(
      [
        `istio_tcp_connections_opened_total{reporter="source",${l},connection_security_policy="mutual_tls"} 2`,
        `istio_tcp_connections_opened_total{reporter="source",${l},connection_security_policy="mutual_tls"} 1`,
        `istio_tcp_connections_opened_total{reporter="destination",${l},connection_security_policy="mutual_tls"} 1`,
        `istio_tcp_connections_opened_total{reporter="destination",${l},connection_security_policy="unknown"} 9`,
      ].join('\n'),
    );
    expect(edgeCounts([report], samples)).toEqual([
      { edge: 'productpage→details', reporter: 'source', opened: 3, lines: 2 },
      { edge: 'productpage→details', reporter: 'destination', opened: 1, lines: 1 },
    ]);
  });
});
