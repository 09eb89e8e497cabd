import { describe, expect, it } from 'vitest';
import {
  apiserverComponent,
  controllerManagerComponent,
  etcdComponent,
  schedulerComponent,
} from './flags.js';
import { clusterLayout } from './layout.js';

const layout = clusterLayout('/tmp/ambient-ts-clusters/t');
const flag = (argv: readonly string[], name: string) =>
  argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe('control-plane command lines', () => {
  it('runs etcd on loopback only, with its data in the state dir', () => {
    const { argv } = etcdComponent(layout);
    expect(argv[0]).toBe('/usr/bin/etcd');
    expect(flag(argv, 'listen-client-urls')).toBe('http://127.0.0.1:2379');
    expect(flag(argv, 'listen-peer-urls')).toBe('http://127.0.0.1:2380');
    expect(flag(argv, 'data-dir')).toBe('/tmp/ambient-ts-clusters/t/etcd');
  });

  it('gives the apiserver service-account signing, RBAC+Node authorization and the service range', () => {
    const { argv } = apiserverComponent(layout, '/bin/k');
    expect(argv[0]).toBe('/bin/k/kube-apiserver');
    expect(flag(argv, 'service-account-signing-key-file')).toBe(
      '/tmp/ambient-ts-clusters/t/pki/sa.key',
    );
    expect(flag(argv, 'service-account-key-file')).toBe('/tmp/ambient-ts-clusters/t/pki/sa.pub');
    expect(flag(argv, 'service-account-issuer')).toBe(
      'https://kubernetes.default.svc.cluster.local',
    );
    expect(flag(argv, 'api-audiences')).toBe('https://kubernetes.default.svc.cluster.local');
    expect(flag(argv, 'authorization-mode')).toBe('Node,RBAC');
    expect(flag(argv, 'enable-admission-plugins')).toContain('NodeRestriction');
    expect(flag(argv, 'service-cluster-ip-range')).toBe('10.96.0.0/16');
    expect(flag(argv, 'advertise-address')).toBe('172.18.0.1');
    expect(flag(argv, 'allow-privileged')).toBe('true');
    expect(flag(argv, 'kubelet-preferred-address-types')).toBe('InternalIP');
    expect(flag(argv, 'kubelet-certificate-authority')).toBe(
      '/tmp/ambient-ts-clusters/t/pki/ca.crt',
    );
    expect(flag(argv, 'client-ca-file')).toBe('/tmp/ambient-ts-clusters/t/pki/ca.crt');
    expect(flag(argv, 'requestheader-client-ca-file')).toBe(
      '/tmp/ambient-ts-clusters/t/pki/front-proxy-ca.crt',
    );
  });

  it('routes webhooks and aggregated APIs to endpoints, since no ClusterIP works in the sandbox root netns', () => {
    expect(flag(apiserverComponent(layout, '/b').argv, 'enable-aggregator-routing')).toBe('true');
  });

  it('has the controller-manager allocate /24 node CIDRs from 10.244.0.0/16 and sign SA tokens', () => {
    const { argv } = controllerManagerComponent(layout, '/bin/k');
    expect(flag(argv, 'allocate-node-cidrs')).toBe('true');
    expect(flag(argv, 'cluster-cidr')).toBe('10.244.0.0/16');
    expect(flag(argv, 'node-cidr-mask-size')).toBe('24');
    expect(flag(argv, 'service-account-private-key-file')).toBe(
      '/tmp/ambient-ts-clusters/t/pki/sa.key',
    );
    expect(flag(argv, 'root-ca-file')).toBe('/tmp/ambient-ts-clusters/t/pki/ca.crt');
    expect(flag(argv, 'controllers')).toBe('*,bootstrapsigner,tokencleaner');
    expect(flag(argv, 'use-service-account-credentials')).toBe('true');
  });

  it('binds controller-manager and scheduler to loopback, without leader election', () => {
    for (const c of [controllerManagerComponent(layout, '/b'), schedulerComponent(layout, '/b')]) {
      expect(flag(c.argv, 'bind-address')).toBe('127.0.0.1');
      expect(flag(c.argv, 'leader-elect')).toBe('false');
      expect(flag(c.argv, 'kubeconfig')).toMatch(
        /^\/tmp\/ambient-ts-clusters\/t\/kubeconfigs\/.+\.kubeconfig$/,
      );
    }
  });
});
