import { describe, expect, it } from 'vitest';
import { clusterLayout, nodeLayout } from '../control-plane/layout.js';
import { planNodes } from '../network/plan.js';
import { kubeletArgv } from './kubelet-args.js';

describe('netns kubelet command line', () => {
  it('passes the contract flags with the node root, its CNI dirs and the cluster DNS', () => {
    const layout = clusterLayout('/s');
    const node = planNodes(1)[0]!;
    const argv = kubeletArgv({
      node,
      nodeLayout: nodeLayout(layout, node.name),
      clusterLayout: layout,
      imageTable: '/repo/deploy/images/local-images.json',
      binDir: '/cache/bin',
    });
    const value = (f: string) => argv[argv.indexOf(f) + 1];
    expect(value('--node-name')).toBe('node-1');
    expect(value('--node-ip')).toBe('172.18.0.2');
    expect(value('--kubeconfig')).toBe('/s/nodes/node-1/kubeconfig');
    expect(value('--node-root')).toBe('/s/nodes/node-1/root');
    expect(value('--state-dir')).toBe('/s/nodes/node-1/state');
    expect(value('--cni-conf-dir')).toBe('/s/nodes/node-1/root/etc/cni/net.d');
    expect(value('--cni-bin-dirs')).toBe('/s/nodes/node-1/root/opt/cni/bin:/usr/lib/cni');
    expect(value('--cluster-dns')).toBe('10.96.0.10');
    expect(value('--cluster-domain')).toBe('cluster.local');
    expect(value('--image-table')).toBe('/repo/deploy/images/local-images.json');
    expect(value('--kube-binaries')).toBe('/cache/bin');
    expect(value('--tls-cert')).toBe('/s/nodes/node-1/pki/kubelet.crt');
    expect(value('--tls-key')).toBe('/s/nodes/node-1/pki/kubelet.key');
    expect(value('--client-ca')).toBe('/s/pki/ca.crt');
  });
});
