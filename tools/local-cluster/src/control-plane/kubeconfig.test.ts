import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { kubeconfigYaml } from './kubeconfig.js';

describe('kubeconfig documents', () => {
  it('load in client-node with the server, embedded CA and client credentials', () => {
    const kc = new KubeConfig();
    kc.loadFromString(
      kubeconfigYaml({
        clusterName: 'c1',
        server: 'https://127.0.0.1:40000',
        caPem: 'CA-PEM',
        user: 'kubernetes-admin',
        clientCertPem: 'CERT',
        clientKeyPem: 'KEY',
      }),
    );
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:40000');
    expect(Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString()).toBe('CA-PEM');
    expect(kc.getCurrentUser()?.name).toBe('kubernetes-admin');
    expect(Buffer.from(kc.getCurrentUser()?.certData ?? '', 'base64').toString()).toBe('CERT');
    expect(Buffer.from(kc.getCurrentUser()?.keyData ?? '', 'base64').toString()).toBe('KEY');
    expect(kc.currentContext).toBe('kubernetes-admin@c1');
  });

  it('carries tls-server-name only when asked', () => {
    const base = {
      clusterName: 'c',
      server: 'https://x',
      caPem: 'a',
      user: 'u',
      clientCertPem: 'b',
      clientKeyPem: 'c',
    };
    expect(kubeconfigYaml(base)).not.toContain('tls-server-name');
    expect(kubeconfigYaml({ ...base, tlsServerName: 'kubernetes' })).toContain(
      'tls-server-name: kubernetes',
    );
  });
});
