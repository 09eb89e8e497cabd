import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parseConfig } from './config.js';
import { kubeletArgs } from './kubelet-args.js';

const argv = [
  '--node-name',
  'node-a',
  '--node-ip',
  '172.30.0.2',
  '--kubeconfig',
  '/c/kubeconfig',
  '--node-root',
  '/c/nodes/a/root',
  '--state-dir',
  '/c/nodes/a/state',
  '--image-table',
  '/repo/deploy/images/local-images.json',
  '--cluster-dns',
  '10.96.0.10',
  '--cni-conf-dir',
  '/c/nodes/a/root/etc/cni/net.d',
  '--cni-bin-dirs',
  '/c/nodes/a/root/opt/cni/bin:/usr/lib/cni',
  '--kube-binaries',
  '/cache/kube',
];

describe('kubeletArgs', () => {
  it('round-trips through parseConfig', () => {
    const c = parseConfig(
      kubeletArgs({
        nodeName: 'node-a',
        nodeIP: '172.30.0.2',
        kubeconfig: '/k',
        nodeRoot: '/r',
        stateDir: '/s',
        imageTable: '/t.json',
        clusterDns: '10.96.0.10',
        cniConfDir: '/r/etc/cni/net.d',
        cniBinDirs: ['/r/opt/cni/bin', '/usr/lib/cni'],
        kubeBinaries: '/kb',
        tls: { certFile: '/c', keyFile: '/k2', clientCaFile: '/ca' },
      }),
      {},
    );
    expect(c).toMatchObject({
      nodeName: 'node-a',
      cniBinDirs: ['/r/opt/cni/bin', '/usr/lib/cni'],
      clusterDomain: 'cluster.local',
      tls: { certFile: '/c', keyFile: '/k2', clientCaFile: '/ca' },
    });
  });
});

describe('parseConfig', () => {
  it('reads the contract flags into a typed config with defaults', () => {
    const c = parseConfig(argv, {});
    expect(c).toMatchObject({
      nodeName: 'node-a',
      nodeIP: '172.30.0.2',
      clusterDomain: 'cluster.local',
      cniBinDirs: ['/c/nodes/a/root/opt/cni/bin', '/usr/lib/cni'],
      port: 10250,
      logLevel: 'info',
      backoffInitialMs: 10_000,
      backoffMaxMs: 300_000,
    });
    expect(c.tls).toBeUndefined();
  });
  it('takes TLS files for :10250 and optional tuning', () => {
    const c = parseConfig(
      [
        ...argv,
        '--tls-cert',
        '/c/k.crt',
        '--tls-key',
        '/c/k.key',
        '--client-ca',
        '/c/ca.crt',
        '--backoff-initial',
        '1s',
        '--cluster-domain',
        'example.org',
      ],
      {},
    );
    expect(c.tls).toEqual({ certFile: '/c/k.crt', keyFile: '/c/k.key', clientCaFile: '/c/ca.crt' });
    expect(c.backoffInitialMs).toBe(1000);
    expect(c.clusterDomain).toBe('example.org');
  });
  it('says which flag is missing or wrong', () => {
    expect(() => parseConfig(argv.slice(2), {})).toThrow(ConfigError);
    expect(() => parseConfig(argv.slice(2), {})).toThrow('missing --node-name');
    expect(() => parseConfig([...argv, '--node-ip', 'x'], {})).toThrow(
      '--node-ip x is not an IP address',
    );
    expect(() => parseConfig([...argv, '--tls-cert', '/a'], {})).toThrow(
      '--tls-cert and --tls-key go together',
    );
    expect(() => parseConfig([...argv, '--bogus'], {})).toThrow(ConfigError);
  });
});
