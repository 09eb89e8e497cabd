import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDurationMs } from './config.js';

const base = { NODE_NAME: 'node1' };

describe('configuration from the environment', () => {
  it('uses upstream defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      inpodUds: '/var/run/ztunnel/ztunnel.sock',
      packetMark: 1337,
      inpodPortReuse: true,
      clusterId: 'Kubernetes',
      secretTtlSeconds: 86_400,
      terminationDeadlineMs: 5000,
      logFormat: 'json',
      adminAddr: { host: '127.0.0.1', port: 15000 },
      statsAddr: { host: '::', port: 15020 },
      readinessAddr: { host: '::', port: 15021 },
      authToken: { kind: 'file', value: './var/run/secrets/tokens/istio-token' },
    });
    expect(c.xds).toMatchObject({
      target: 'localhost:15012',
      tls: true,
      rootCa: './var/run/secrets/istio/root-cert.pem',
    });
    expect(c.hbone).toEqual({
      streamWindowBytes: 4 * 1024 * 1024,
      connectionWindowBytes: 16 * 1024 * 1024,
      maxFrameBytes: 1024 * 1024,
      poolMaxStreamsPerConnection: 100,
      poolIdleReleaseMs: 300_000,
    });
  });

  it("points at istiod's service inside Kubernetes and adds https:// to a bare address", () => {
    expect(loadConfig({ ...base, KUBERNETES_SERVICE_HOST: '10.96.0.1' }).ca.target).toBe(
      'istiod.istio-system.svc:15012',
    );
    expect(loadConfig({ ...base, XDS_ADDRESS: 'istiod.example:15012' }).xds).toMatchObject({
      target: 'istiod.example:15012',
      tls: true,
    });
    expect(loadConfig({ ...base, CA_ADDRESS: 'unix:///tmp/ca.sock' }).ca).toMatchObject({
      target: 'unix:/tmp/ca.sock',
      tls: false,
    });
    expect(loadConfig({ ...base, CA_ROOT_CA: 'SYSTEM' }).ca.rootCa).toBeUndefined();
  });

  it('collects ISTIO_META_*, ISTIO_METAJSON_*, XDS_HEADER_* and CA_HEADER_*', () => {
    const c = loadConfig({
      ...base,
      ISTIO_META_CLUSTER_ID: 'c1',
      ISTIO_METAJSON_LABELS: '{"app":"ztunnel"}',
      XDS_HEADER_X_TENANT: 't1',
      CA_HEADER_X_TENANT: 't2',
    });
    expect(c.clusterId).toBe('c1');
    expect(c.proxyMetadata).toEqual({ CLUSTER_ID: 'c1' });
    expect(c.jsonMetadata).toEqual({ LABELS: { app: 'ztunnel' } });
    expect(c.xds.headers).toEqual({ X_TENANT: 't1' });
    expect(c.ca.headers).toEqual({ X_TENANT: 't2' });
  });

  it('derives the drain deadline from the grace period as upstream does', () => {
    expect(
      loadConfig({ ...base, TERMINATION_GRACE_PERIOD_SECONDS: '30' }).terminationDeadlineMs,
    ).toBe(25_000);
    expect(
      loadConfig({ ...base, TERMINATION_GRACE_PERIOD_SECONDS: '10' }).terminationDeadlineMs,
    ).toBe(9_000);
    expect(
      loadConfig({ ...base, TERMINATION_GRACE_PERIOD_SECONDS: '1' }).terminationDeadlineMs,
    ).toBe(1_000);
    expect(
      loadConfig({ ...base, CONNECTION_TERMINATION_DEADLINE: '1m30s' }).terminationDeadlineMs,
    ).toBe(90_000);
  });

  it('fails loudly, naming the variable, on what it cannot use', () => {
    const bad: Record<string, string>[] = [
      {},
      { ...base, PROXY_MODE: 'dedicated' },
      { ...base, INPOD_PORT_REUSE: 'maybe' },
      { ...base, LOG_FORMAT: 'xml' },
      { ...base, SECRET_TTL: 'forever' },
      { ...base, HTTP2_FRAME_SIZE: '100' },
      { ...base, ISTIO_METAJSON_X: '{' },
      { ...base, ADMIN_ADDR: 'localhost' },
    ];
    const vars = bad.map((env) => {
      try {
        loadConfig(env);
        return 'accepted';
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).variable;
      }
    });
    expect(vars).toEqual([
      'NODE_NAME',
      'PROXY_MODE',
      'INPOD_PORT_REUSE',
      'LOG_FORMAT',
      'SECRET_TTL',
      'HTTP2_FRAME_SIZE',
      'ISTIO_METAJSON_X',
      'ADMIN_ADDR',
    ]);
  });

  it('reads durations the way upstream writes them', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('24h')).toBe(86_400_000);
    expect(parseDurationMs('5')).toBe(5000);
    expect(parseDurationMs('5x')).toBeUndefined();
  });
});
