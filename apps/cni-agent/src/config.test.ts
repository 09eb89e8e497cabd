import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';
import { DEFAULT_ENABLEMENT_SELECTORS } from './enablement.js';

describe('agent configuration from the environment', () => {
  it('defaults to the DaemonSet layout upstream uses', () => {
    const c = loadConfig({ NODE_NAME: 'n1' }, []);
    expect(c).toMatchObject({
      nodeName: 'n1',
      podNamespace: 'istio-system',
      excludeNamespaces: ['kube-system'],
      mountedCniNetDir: '/host/etc/cni/net.d',
      mountedCniBinDir: '/host/opt/cni/bin',
      cniBinDir: '/opt/cni/bin',
      cniAgentRunDir: '/var/run/istio-cni',
      mountedCniAgentRunDir: '/var/run/istio-cni',
      ztunnelSocket: '/var/run/ztunnel/ztunnel.sock',
      hostProc: '/host/proc',
      readinessPort: 8000,
      monitoringPort: 15014,
      dnsCapture: true,
      reconcileRulesOnStart: true,
      hostProbeSnat: true,
    });
    expect(c.enablementSelectors).toEqual(DEFAULT_ENABLEMENT_SELECTORS);
    expect(c.pluginSource.kind).toBe('launcher');
  });

  it('reads the chart ConfigMap values (YAML selectors, comma lists, booleans)', () => {
    const c = loadConfig(
      {
        NODE_NAME: 'n1',
        EXCLUDE_NAMESPACES: 'kube-system, istio-system',
        AMBIENT_DNS_CAPTURE: 'false',
        AMBIENT_ENABLEMENT_SELECTOR: '- podSelector:\n    matchLabels: {mesh: "on"}\n',
        ISTIO_CNI_PLUGIN_DIR: '/opt/istio-cni/bin',
      },
      [],
    );
    expect(c.excludeNamespaces).toEqual(['kube-system', 'istio-system']);
    expect(c.dnsCapture).toBe(false);
    expect(c.enablementSelectors).toEqual([{ podSelector: { matchLabels: { mesh: 'on' } } }]);
    expect(c.pluginSource).toEqual({ kind: 'copy-dir', dir: '/opt/istio-cni/bin' });
  });

  it.each([
    [{}, /NODE_NAME/],
    [{ NODE_NAME: 'n', AMBIENT_DNS_CAPTURE: 'maybe' }, /AMBIENT_DNS_CAPTURE must be true or false/],
    [{ NODE_NAME: 'n', CHAINED_CNI_PLUGIN: 'false' }, /not supported/],
    [{ NODE_NAME: 'n', MONITORING_PORT: '99999' }, /MONITORING_PORT/],
    [
      { NODE_NAME: 'n', AMBIENT_ENABLEMENT_SELECTOR: '- {}' },
      /needs podSelector or namespaceSelector/,
    ],
  ])('rejects %j saying what to fix', (env, message) => {
    expect(() => loadConfig(env, [])).toThrow(ConfigError);
    expect(() => loadConfig(env, [])).toThrow(message);
  });
});
