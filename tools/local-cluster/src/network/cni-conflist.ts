// The node's CNI configuration: a standard conflist for Debian's
// containernetworking-plugins. ptp (a routed veth per pod) rather than bridge
// so a ClusterIP DNAT in the node's netns sees pod traffic without
// br_netfilter; host-local hands out the node's pod CIDR and keeps its
// allocations under the node root, never in the host's /var/lib/cni.

export interface CniConfigInput {
  readonly podCidr: string;
  /** Directory for host-local's allocation files. */
  readonly ipamDataDir: string;
  readonly mtu?: number;
}

export const CNI_NETWORK_NAME = 'ambient-ts';
export const CNI_CONFLIST_FILE = '10-ambient-ts.conflist';

export function cniConflist(input: CniConfigInput): object {
  return {
    cniVersion: '1.0.0',
    name: CNI_NETWORK_NAME,
    plugins: [
      {
        type: 'ptp',
        ipMasq: false,
        mtu: input.mtu ?? 1500,
        ipam: {
          type: 'host-local',
          dataDir: input.ipamDataDir,
          ranges: [[{ subnet: input.podCidr }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}
