import type { Pod } from './k8s-types.js';
import { describe, expect, it } from 'vitest';
import { hostsFile, resolvConf } from './etc-files.js';

const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name: 'p', namespace: 'bookinfo' },
  spec: { containers: [], ...spec },
});

describe('resolvConf', () => {
  it('points ClusterFirst pods at cluster DNS with the Kubernetes search path and ndots:5', () => {
    expect(resolvConf(pod(), '10.96.0.10', 'cluster.local')).toBe(
      'search bookinfo.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
    );
  });
  it('leaves hostNetwork ClusterFirst and Default pods with the node resolver', () => {
    expect(resolvConf(pod({ hostNetwork: true }), '10.96.0.10', 'cluster.local')).toBeUndefined();
    expect(
      resolvConf(pod({ dnsPolicy: 'Default' }), '10.96.0.10', 'cluster.local'),
    ).toBeUndefined();
    expect(
      resolvConf(
        pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }),
        '10.96.0.10',
        'cluster.local',
      ),
    ).toContain('nameserver 10.96.0.10');
  });
  it('merges dnsConfig and honours None', () => {
    const c = resolvConf(
      pod({
        dnsConfig: {
          nameservers: ['1.2.3.4'],
          searches: ['x.y'],
          options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
        },
      }),
      '10.96.0.10',
      'cluster.local',
    );
    expect(c).toBe(
      'search bookinfo.svc.cluster.local svc.cluster.local cluster.local x.y\nnameserver 10.96.0.10\nnameserver 1.2.3.4\noptions ndots:2 edns0\n',
    );
    expect(
      resolvConf(
        pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'] } }),
        '10.96.0.10',
        'cluster.local',
      ),
    ).toBe('nameserver 9.9.9.9\n');
  });
});

describe('hostsFile', () => {
  it('names the pod at its IP, with subdomain FQDN and host aliases', () => {
    const h = hostsFile(
      pod({ subdomain: 'sub', hostAliases: [{ ip: '1.2.3.4', hostnames: ['a', 'b'] }] }),
      ['10.244.1.5'],
      'p',
      'cluster.local',
    );
    expect(h).toContain('127.0.0.1\tlocalhost\n');
    expect(h).toContain('10.244.1.5\tp.sub.bookinfo.svc.cluster.local\tp\n');
    expect(h).toContain('# Entries added by HostAliases.\n1.2.3.4\ta\tb\n');
    expect(hostsFile(pod(), ['10.244.1.5'], 'p', 'cluster.local')).toContain('10.244.1.5\tp\n');
  });
});
