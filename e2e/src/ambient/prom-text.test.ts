import { describe, expect, it } from 'vitest';
import { parsePromText, sumSamples } from './prom-text.js';

const TEXT = `# HELP istio_tcp_connections_opened The total number of TCP connections opened.
# TYPE istio_tcp_connections_opened counter
istio_tcp_connections_opened_total{reporter="source",source_principal="spiffe://cluster.local/ns/bi/sa/bookinfo-productpage",destination_principal="spiffe://cluster.local/ns/bi/sa/bookinfo-details",response_flags="-"} 3
istio_tcp_connections_opened_total{reporter="destination",source_principal="spiffe://cluster.local/ns/bi/sa/bookinfo-productpage",destination_principal="spiffe://cluster.local/ns/bi/sa/bookinfo-details",response_flags="-"} 2 1700000000000
istio_tcp_connections_opened_total{reporter="source",source_principal="spiffe://cluster.local/ns/bi/sa/curl",destination_principal="spiffe://cluster.local/ns/bi/sa/bookinfo-productpage"} 5
istio_build{component="ztunnel",tag="1.28.0"} 1
weird{a="with \\"quote\\", and comma"} 7
process_open_fds 12
`;

describe('reading Prometheus text', () => {
  it('reads names, labels (with escapes) and values, skipping comments and timestamps', () => {
    const s = parsePromText(TEXT);
    expect(s).toHaveLength(6);
    expect(s.find((x) => x.name === 'weird')?.labels['a']).toBe('with "quote", and comma');
    expect(s.find((x) => x.name === 'process_open_fds')).toEqual({
      name: 'process_open_fds',
      labels: {},
      value: 12,
    });
  });

  it('sums the samples that carry all the given labels', () => {
    const s = parsePromText(TEXT);
    const pp = 'spiffe://cluster.local/ns/bi/sa/bookinfo-productpage';
    expect(sumSamples(s, 'istio_tcp_connections_opened_total', { source_principal: pp })).toBe(5);
    expect(
      sumSamples(s, 'istio_tcp_connections_opened_total', {
        reporter: 'destination',
        source_principal: pp,
      }),
    ).toBe(2);
    expect(sumSamples(s, 'istio_tcp_connections_opened_total')).toBe(10);
    expect(sumSamples(s, 'istio_tcp_connections_closed_total')).toBe(0);
  });
});
