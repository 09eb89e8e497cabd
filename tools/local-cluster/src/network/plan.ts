// The addresses of every local cluster. They are the same for every cluster on
// purpose: each cluster lives in its own private network namespace, so two
// clusters never see each other's 172.18.0.1, and the add-on manifests in
// deploy/cluster-addons can name these addresses literally.

export const CLUSTER_NETWORK = {
  /** Bridge in the sandbox's root netns joining every node. */
  bridgeName: 'kbr0',
  bridgePrefixLength: 16,
  /** The sandbox's root netns on the bridge: etcd's and the apiserver's home. */
  gatewayIp: '172.18.0.1',
  apiserverPort: 6443,
  podCidr: '10.244.0.0/16',
  nodeCidrMaskSize: 24,
  serviceCidr: '10.96.0.0/16',
  kubernetesServiceIp: '10.96.0.1',
  dnsServiceIp: '10.96.0.10',
  clusterDomain: 'cluster.local',
} as const;

export const MAX_NODES = 200;

export interface NodePlan {
  readonly name: string;
  readonly ip: string;
  /** Name of the node's network namespace inside the sandbox (ip netns). */
  readonly netns: string;
  /** The bridge side of the node's veth pair (<= 15 chars). */
  readonly bridgePort: string;
}

export function planNodes(count: number): NodePlan[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) {
    throw new RangeError(`node count must be an integer in 1..${MAX_NODES}, got ${count}`);
  }
  return Array.from({ length: count }, (_, i) => {
    const name = `node-${i + 1}`;
    return { name, ip: `172.18.0.${i + 2}`, netns: name, bridgePort: `veth-${name}` };
  });
}

export function apiserverUrlForNodes(): string {
  return `https://${CLUSTER_NETWORK.gatewayIp}:${CLUSTER_NETWORK.apiserverPort}`;
}

/**
 * The `ip` invocations that build the sandbox's network: bridge, then per node
 * a netns with a veth whose node end is eth0 with the node IP and a default
 * route to the bridge. Each entry is an argv for `ip`.
 */
export function networkSetupCommands(nodes: readonly NodePlan[]): string[][] {
  const n = CLUSTER_NETWORK;
  const cmds: string[][] = [
    ['link', 'set', 'lo', 'up'],
    ['link', 'add', n.bridgeName, 'type', 'bridge'],
    ['addr', 'add', `${n.gatewayIp}/${n.bridgePrefixLength}`, 'dev', n.bridgeName],
    ['link', 'set', n.bridgeName, 'up'],
  ];
  for (const node of nodes) {
    cmds.push(
      ['netns', 'add', node.netns],
      ['link', 'add', node.bridgePort, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns],
      ['link', 'set', node.bridgePort, 'master', n.bridgeName, 'up'],
      ['-n', node.netns, 'link', 'set', 'lo', 'up'],
      ['-n', node.netns, 'addr', 'add', `${node.ip}/${n.bridgePrefixLength}`, 'dev', 'eth0'],
      ['-n', node.netns, 'link', 'set', 'eth0', 'up'],
      ['-n', node.netns, 'route', 'add', 'default', 'via', n.gatewayIp],
    );
  }
  return cmds;
}
