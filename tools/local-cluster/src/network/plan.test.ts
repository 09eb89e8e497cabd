import { describe, expect, it } from 'vitest';
import { cniConflist } from './cni-conflist.js';
import { apiserverUrlForNodes, networkSetupCommands, planNodes } from './plan.js';

describe('node plan', () => {
  it('numbers nodes from node-1 at 172.18.0.2 upwards', () => {
    expect(planNodes(2)).toEqual([
      { name: 'node-1', ip: '172.18.0.2', netns: 'node-1', bridgePort: 'veth-node-1' },
      { name: 'node-2', ip: '172.18.0.3', netns: 'node-2', bridgePort: 'veth-node-2' },
    ]);
  });

  it('keeps every interface name within the kernel limit of 15 characters', () => {
    for (const n of planNodes(200)) expect(n.bridgePort.length).toBeLessThanOrEqual(15);
  });

  it('rejects node counts it cannot address', () => {
    expect(() => planNodes(0)).toThrow(RangeError);
    expect(() => planNodes(1.5)).toThrow(RangeError);
    expect(() => planNodes(201)).toThrow(RangeError);
  });

  it('builds the bridge, then per node a netns with eth0 on the bridge and a default route to the apiserver side', () => {
    const cmds = networkSetupCommands(planNodes(1)).map((c) => c.join(' '));
    expect(cmds).toEqual([
      'link set lo up',
      'link add kbr0 type bridge',
      'addr add 172.18.0.1/16 dev kbr0',
      'link set kbr0 up',
      'netns add node-1',
      'link add veth-node-1 type veth peer name eth0 netns node-1',
      'link set veth-node-1 master kbr0 up',
      '-n node-1 link set lo up',
      '-n node-1 addr add 172.18.0.2/16 dev eth0',
      '-n node-1 link set eth0 up',
      '-n node-1 route add default via 172.18.0.1',
    ]);
    expect(apiserverUrlForNodes()).toBe('https://172.18.0.1:6443');
  });
});

describe('node CNI conflist', () => {
  it('is ptp with host-local over the node pod CIDR, allocations under the node root, then portmap', () => {
    const c = cniConflist({
      podCidr: '10.244.1.0/24',
      ipamDataDir: '/n/root/var/lib/cni/networks',
    }) as {
      cniVersion: string;
      plugins: {
        type: string;
        ipMasq?: boolean;
        ipam?: { type: string; dataDir: string; ranges: unknown };
      }[];
    };
    expect(c.cniVersion).toBe('1.0.0');
    expect(c.plugins.map((p) => p.type)).toEqual(['ptp', 'portmap']);
    expect(c.plugins[0]?.ipMasq).toBe(false);
    expect(c.plugins[0]?.ipam).toMatchObject({
      type: 'host-local',
      dataDir: '/n/root/var/lib/cni/networks',
      ranges: [[{ subnet: '10.244.1.0/24' }]],
    });
  });
});
