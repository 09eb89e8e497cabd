import { describe, expect, it } from 'vitest';
import { testService, testWorkload } from '@ambient-ts/workload-state/testing';
import { ConnectionResult } from './connection-result.js';
import { LogDirectiveError, parseDirectives, plainLine, type Logger } from './logging.js';
import { ZtunnelMetrics } from './metrics.js';
import { TRAFFIC_LABEL_NAMES, trafficLabels } from './traffic-labels.js';

class RecordingLogger implements Logger {
  readonly lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  error(fields: object, msg: string) {
    this.lines.push({ level: 'error', fields: fields as Record<string, unknown>, msg });
  }
  warn(fields: object, msg: string) {
    this.lines.push({ level: 'warn', fields: fields as Record<string, unknown>, msg });
  }
  info(fields: object, msg: string) {
    this.lines.push({ level: 'info', fields: fields as Record<string, unknown>, msg });
  }
  debug(fields: object, msg: string) {
    this.lines.push({ level: 'debug', fields: fields as Record<string, unknown>, msg });
  }
  isLevelEnabled() {
    return false;
  }
}

const src = testWorkload('shell', '10.0.0.24', { serviceAccount: 'default' });
const dst = testWorkload('echo-1', '10.0.0.42', { serviceAccount: 'echo', canonicalName: 'echo' });
const svc = testService('echo', '10.96.108.116', { 80: 8080 });

describe('traffic labels', () => {
  it("are upstream's, in upstream's order, with unknown for what is not known", () => {
    const l = trafficLabels({ reporter: 'source', securityPolicy: 'unknown' });
    expect(Object.keys(l)).toEqual(TRAFFIC_LABEL_NAMES.slice(0, 23));
    expect(l.source_workload).toBe('unknown');
    expect(l.destination_principal).toBe('unknown');
    expect(l.request_protocol).toBe('tcp');
    expect(l.response_flags).toBe('-');
  });

  it('take the source principal only from mTLS, and add locality once a workload is known', () => {
    const l = trafficLabels({
      reporter: 'destination',
      source: src,
      destination: dst,
      securityPolicy: 'mutual_tls',
    });
    expect(l.source_principal).toBe('unknown');
    expect(l.destination_principal).toBe('spiffe://cluster.local/ns/default/sa/echo');
    expect(Object.keys(l).slice(-4)).toEqual([
      'source_region',
      'source_zone',
      'destination_region',
      'destination_zone',
    ]);
    const m = trafficLabels({
      reporter: 'destination',
      derivedSource: {
        identity: 'spiffe://cluster.local/ns/default/sa/default',
        workloadName: 'from-baggage',
      },
      source: src,
      securityPolicy: 'mutual_tls',
    });
    expect(m.source_principal).toBe('spiffe://cluster.local/ns/default/sa/default');
    // The xDS source workload wins over baggage.
    expect(m.source_workload).toBe('shell');
  });
});

describe('the connection complete line', () => {
  it('has upstream fields in order, identities only with mTLS, and bytes unflipped', () => {
    const log = new RecordingLogger();
    let t = 1000;
    const r = new ConnectionResult(
      {
        src: '10.0.0.24:46238',
        dst: '10.0.0.42:15008',
        hboneAddr: '10.0.0.42:8080',
        srcName: 'shell',
        dstName: 'echo-1',
      },
      {
        reporter: 'source',
        source: src,
        derivedSource: { identity: 'spiffe://cluster.local/ns/default/sa/default' },
        destination: dst,
        destinationService: svc,
        securityPolicy: 'mutual_tls',
      },
      new ZtunnelMetrics(),
      log,
      { now: () => t },
    );
    r.addRequestBytes(67);
    r.addResponseBytes(490);
    t += 13;
    r.record();
    r.record(new Error('twice'));
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.msg).toBe('connection complete');
    expect(log.lines[0]!.fields).toEqual({
      'src.addr': '10.0.0.24:46238',
      'src.workload': 'shell',
      'src.namespace': 'default',
      'src.identity': 'spiffe://cluster.local/ns/default/sa/default',
      'src.cluster': 'Kubernetes',
      'dst.addr': '10.0.0.42:15008',
      'dst.hbone_addr': '10.0.0.42:8080',
      'dst.service': 'echo.default.svc.cluster.local',
      'dst.workload': 'echo-1',
      'dst.namespace': 'default',
      'dst.identity': 'spiffe://cluster.local/ns/default/sa/echo',
      'dst.cluster': 'Kubernetes',
      direction: 'outbound',
      bytes_sent: 67,
      bytes_recv: 490,
      duration: '13ms',
    });
    // toEqual ignores key order; the order is part of the contract.
    expect(Object.keys(log.lines[0]!.fields)).toEqual([
      'src.addr',
      'src.workload',
      'src.namespace',
      'src.identity',
      'src.cluster',
      'dst.addr',
      'dst.hbone_addr',
      'dst.service',
      'dst.workload',
      'dst.namespace',
      'dst.identity',
      'dst.cluster',
      'direction',
      'bytes_sent',
      'bytes_recv',
      'duration',
    ]);
  });

  it('is an error line with the error last, and without identities for plain TCP', async () => {
    const log = new RecordingLogger();
    const metrics = new ZtunnelMetrics();
    const r = new ConnectionResult(
      { src: '10.0.0.24:1', dst: '10.0.0.42:8080' },
      { reporter: 'destination', destination: dst, securityPolicy: 'unknown' },
      metrics,
      log,
    );
    r.addRequestBytes(5);
    r.record(
      'connection closed due to policy rejection: allow policies exist, but none allowed',
      'DENY',
    );
    const line = log.lines[0]!;
    expect(line.level).toBe('error');
    expect(Object.keys(line.fields).at(-1)).toBe('error');
    expect(line.fields['src.identity']).toBeUndefined();
    expect(line.fields['dst.identity']).toBeUndefined();
    expect(line.fields.bytes_recv).toBe(5); // inbound: received from the client
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /istio_tcp_connections_closed_total\{reporter="destination",.*response_flags="DENY",connection_security_policy="unknown".*\} 1/,
    );
    expect(text).toMatch(
      /istio_tcp_received_bytes_total\{reporter="destination",.*response_flags="-".*\} 5/,
    );
  });
});

describe('log formats and levels', () => {
  it("prints upstream's plain format: addresses and numbers bare, other values quoted", () => {
    expect(
      plainLine({
        level: 'info',
        time: '2024-01-01T00:00:00.000000Z',
        scope: 'access',
        message: 'connection complete',
        'src.addr': '10.0.0.24:46238',
        'src.workload': 'shell',
        'dst.hbone_addr': '10.0.0.42:8080',
        direction: 'outbound',
        bytes_sent: 67,
        duration: '13ms',
      }),
    ).toBe(
      '2024-01-01T00:00:00.000000Z\tinfo\taccess\tconnection complete\t' +
        'src.addr=10.0.0.24:46238 src.workload="shell" dst.hbone_addr=10.0.0.42:8080 direction="outbound" bytes_sent=67 duration="13ms"',
    );
  });

  it('reads RUST_LOG-style directives and rejects unknown levels', () => {
    expect(parseDirectives('warn,access:debug,xds=info')).toEqual({
      defaultLevel: 'warn',
      scopes: new Map([
        ['access', 'debug'],
        ['xds', 'info'],
      ]),
    });
    expect(() => parseDirectives('loud')).toThrow(LogDirectiveError);
  });
});
