import type { Node } from './k8s-types.js';
import { describe, expect, it } from 'vitest';
import { desiredRoutes, masqueradeRules, MASQ_CHAIN, nodePodCidrs } from './node-routes.js';

const node = (name: string, ip: string | undefined, cidrs: string[]): Node => ({
  metadata: { name },
  spec: { podCIDR: cidrs[0], podCIDRs: cidrs },
  status: {
    addresses: ip
      ? [
          { type: 'InternalIP', address: ip },
          { type: 'Hostname', address: name },
        ]
      : [],
  },
});

describe('routes to other nodes', () => {
  it('routes each other node pod CIDR via its InternalIP, skipping self and nodes without address or CIDR', () => {
    const nodes = [
      node('a', '172.30.0.2', ['10.244.0.0/24']),
      node('b', '172.30.0.3', ['10.244.1.0/24']),
      node('c', undefined, ['10.244.2.0/24']),
      node('d', '172.30.0.5', []),
    ];
    expect(desiredRoutes('a', nodes)).toEqual([
      { cidr: '10.244.1.0/24', via: '172.30.0.3', node: 'b' },
    ]);
  });
  it('reads podCIDRs, falling back to podCIDR', () => {
    expect(nodePodCidrs({ spec: { podCIDR: '10.0.0.0/24' } })).toEqual(['10.0.0.0/24']);
  });
  it('masquerades pod traffic except to pod CIDRs', () => {
    const r = masqueradeRules(['10.244.1.0/24', '10.244.0.0/24']);
    expect(r).toBe(
      `*nat\n:${MASQ_CHAIN} - [0:0]\n-F ${MASQ_CHAIN}\n-A ${MASQ_CHAIN} -d 10.244.0.0/24 -j RETURN\n-A ${MASQ_CHAIN} -d 10.244.1.0/24 -j RETURN\n-A ${MASQ_CHAIN} -j MASQUERADE\nCOMMIT\n`,
    );
  });
});
