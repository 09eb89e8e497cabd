import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseGoDurationSeconds, parseHostPort } from './config.js';

describe('loadConfig', () => {
  it('uses upstream defaults', () => {
    const c = loadConfig({}, []);
    expect(c).toMatchObject({
      namespace: 'istio-system',
      clusterId: 'Kubernetes',
      trustDomain: 'cluster.local',
      rootNamespace: 'istio-system',
      grpcAddr: undefined,
      secureGrpcAddr: { host: '', port: 15012 },
      monitoringAddr: { host: '', port: 15014 },
      httpAddr: { host: '', port: 8080 },
      debounceMs: 100,
      trustedNodeAccounts: ['istio-system/ztunnel'],
      tokenAudiences: ['istio-ca'],
      defaultCertTtlSeconds: 86_400,
      maxCertTtlSeconds: 2160 * 3600,
      rootCertConfigMap: 'istio-ca-root-cert',
      enableStatus: true,
      enableDryRun: false,
    });
  });

  it('reads env names and upstream flags, flags winning', () => {
    const c = loadConfig(
      {
        POD_NAMESPACE: 'mesh',
        CLUSTER_ID: 'c1',
        CA_TRUSTED_NODE_ACCOUNTS: 'kube-system/ztunnel, mesh/ztunnel',
        PILOT_DEBOUNCE_AFTER: '1.5s',
        GRPC_ADDR: ':1',
        AMBIENT_ENABLE_STATUS: 'false',
      },
      ['--grpcAddr=127.0.0.1:2', '--monitoringAddr', '[::1]:3'],
    );
    expect(c.namespace).toBe('mesh');
    expect(c.rootNamespace).toBe('mesh');
    expect(c.trustedNodeAccounts).toEqual(['kube-system/ztunnel', 'mesh/ztunnel']);
    expect(c.debounceMs).toBe(1500);
    expect(c.grpcAddr).toEqual({ host: '127.0.0.1', port: 2 });
    expect(c.monitoringAddr).toEqual({ host: '::1', port: 3 });
    expect(c.enableStatus).toBe(false);
  });

  it('turns plaintext xDS on only when --grpcAddr or GRPC_ADDR names an address', () => {
    expect(loadConfig({}, []).grpcAddr).toBeUndefined();
    expect(loadConfig({}, ['--grpcAddr=']).grpcAddr).toBeUndefined();
    expect(loadConfig({ GRPC_ADDR: ':15010' }, ['--grpcAddr=']).grpcAddr).toBeUndefined();
    expect(loadConfig({}, ['--grpcAddr=:15010']).grpcAddr).toEqual({ host: '', port: 15010 });
  });

  it('names the variable and what to write when a value is wrong', () => {
    expect(() => loadConfig({ PILOT_DEBOUNCE_AFTER: '100' }, [])).toThrow(
      new ConfigError(
        'PILOT_DEBOUNCE_AFTER=100: expected a Go duration such as 100ms, 24h or 1h30m',
      ),
    );
    expect(() => loadConfig({ CA_TRUSTED_NODE_ACCOUNTS: 'ztunnel' }, [])).toThrow(
      /expected <namespace>\/<serviceaccount>/,
    );
    expect(() => loadConfig({ AMBIENT_ENABLE_STATUS: 'maybe' }, [])).toThrow(
      'AMBIENT_ENABLE_STATUS=maybe: expected true or false',
    );
    expect(() => parseHostPort('--grpcAddr', '15010')).toThrow(ConfigError);
  });

  it('parses Go durations', () => {
    expect(parseGoDurationSeconds('x', '1h30m')).toBe(5400);
    expect(parseGoDurationSeconds('x', '100ms')).toBeCloseTo(0.1);
    expect(parseGoDurationSeconds('x', '2160h')).toBe(7_776_000);
  });
});
