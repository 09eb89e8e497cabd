import { describe, expect, it } from 'vitest';
import { connectionLines, hostOf, parseZtunnelLog } from './access-log.js';

// reference/ztunnel.md §5, the upstream example line (plain format).
const PLAIN =
  '2024-08-01T10:00:00.123456Z\tinfo\taccess\tconnection complete\t' +
  'src.addr=10.244.0.24:46238 src.workload="shell-5b8c" src.namespace="default" ' +
  'src.identity="spiffe://cluster.local/ns/default/sa/default" src.cluster="Kubernetes" ' +
  'dst.addr=10.244.0.42:15008 dst.hbone_addr=10.96.108.116:80 ' +
  'dst.service="echo.default.svc.cluster.local" dst.workload="echo-7c9f" dst.namespace="default" ' +
  'dst.identity="spiffe://cluster.local/ns/default/sa/echo" dst.cluster="Kubernetes" ' +
  'direction="outbound" bytes_sent=67 bytes_recv=490 duration="13ms"';

const JSON_LINE = JSON.stringify({
  level: 'info',
  time: '2024-08-01T10:00:00.123456Z',
  scope: 'access',
  message: 'connection complete',
  'src.addr': '10.244.1.7:40000',
  'src.identity': 'spiffe://cluster.local/ns/bi/sa/bookinfo-productpage',
  'dst.addr': '10.244.0.9:15008',
  'dst.hbone_addr': '10.244.0.9:9080',
  'dst.identity': 'spiffe://cluster.local/ns/bi/sa/bookinfo-details',
  direction: 'inbound',
  bytes_sent: 300,
  bytes_recv: 120,
  duration: '2ms',
});

describe("reading ztunnel's access log", () => {
  it('reads the plain format with quoted strings and bare addresses and numbers', () => {
    const [line] = connectionLines(PLAIN);
    expect(line).toMatchObject({
      level: 'info',
      direction: 'outbound',
      srcAddr: '10.244.0.24:46238',
      dstAddr: '10.244.0.42:15008',
      hboneAddr: '10.96.108.116:80',
      srcWorkload: 'shell-5b8c',
      dstService: 'echo.default.svc.cluster.local',
      srcIdentity: 'spiffe://cluster.local/ns/default/sa/default',
      dstIdentity: 'spiffe://cluster.local/ns/default/sa/echo',
      error: undefined,
    });
    expect(parseZtunnelLog(PLAIN)[0]?.record.fields['bytes_recv']).toBe(490);
  });

  it('reads JSON lines with dotted keys', () => {
    const [line] = connectionLines(JSON_LINE);
    expect(line).toMatchObject({
      direction: 'inbound',
      srcIdentity: 'spiffe://cluster.local/ns/bi/sa/bookinfo-productpage',
      dstIdentity: 'spiffe://cluster.local/ns/bi/sa/bookinfo-details',
      hboneAddr: '10.244.0.9:9080',
    });
  });

  it('keeps the error of a failed connection and escaped quotes inside it', () => {
    const failed =
      '2024-08-01T10:00:00.1Z\terror\taccess\tconnection complete\tsrc.addr=10.0.0.1:1 dst.addr=10.0.0.2:15008 direction="inbound" ' +
      'error="connection closed due to policy rejection: allow policies exist, but none allowed \\"x\\""';
    const [line] = connectionLines(failed);
    expect(line?.level).toBe('error');
    expect(line?.error).toBe(
      'connection closed due to policy rejection: allow policies exist, but none allowed "x"',
    );
  });

  it('skips other messages, lines without a direction and non-log output', () => {
    const text = [
      JSON.stringify({ level: 'info', scope: 'xds', message: 'received response' }),
      JSON.stringify({ level: 'debug', message: 'connection complete' }),
      'panic: not a log line',
      '',
      JSON_LINE,
    ].join('\n');
    expect(connectionLines(text)).toHaveLength(1);
    expect(parseZtunnelLog(text)).toHaveLength(3);
  });

  it('takes the host of v4 and bracketed v6 addresses', () => {
    expect(hostOf('10.244.0.5:9080')).toBe('10.244.0.5');
    expect(hostOf('[fd00::5]:80')).toBe('fd00::5');
    expect(hostOf('10.244.0.5')).toBe('10.244.0.5');
    expect(hostOf('fd00::5')).toBe('fd00::5');
  });
});
