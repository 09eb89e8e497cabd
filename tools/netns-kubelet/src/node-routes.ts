// Our "kindnet": every node's pod CIDR is routed via that node's InternalIP from each other
// node's netns, and pod traffic leaving the cluster's pod CIDRs is masqueraded to the node IP
// (so pods reach addresses outside the cluster, e.g. the apiserver, without routes back).
import type { Node } from './k8s-types.js';

export interface PodRoute {
  readonly cidr: string;
  readonly via: string;
  readonly node: string;
}

export function nodeInternalIP(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

export function nodePodCidrs(node: Node): string[] {
  const cidrs = node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : []);
  return [...new Set(cidrs)];
}

/** Routes to other nodes' pod CIDRs (IPv4 via IPv4 only). */
export function desiredRoutes(self: string, nodes: readonly Node[]): PodRoute[] {
  const out: PodRoute[] = [];
  for (const n of nodes) {
    const name = n.metadata?.name ?? '';
    if (name === self) continue;
    const ip = nodeInternalIP(n);
    if (!ip) continue;
    for (const cidr of nodePodCidrs(n)) {
      if (cidr.includes(':') !== ip.includes(':')) continue;
      out.push({ cidr, via: ip, node: name });
    }
  }
  return out.sort((a, b) => a.cidr.localeCompare(b.cidr));
}

export const MASQ_CHAIN = 'NETNS-KUBELET-MASQ';

/**
 * iptables-restore input (nat table, --noflush) for the masquerade chain: pod traffic to any
 * known pod CIDR keeps its source; everything else from this node's pods is masqueraded.
 */
export function masqueradeRules(allPodCidrs: readonly string[]): string {
  const v4 = (c: string): boolean => !c.includes(':');
  const lines = ['*nat', `:${MASQ_CHAIN} - [0:0]`, `-F ${MASQ_CHAIN}`];
  for (const c of [...new Set(allPodCidrs)].filter(v4).sort())
    lines.push(`-A ${MASQ_CHAIN} -d ${c} -j RETURN`);
  lines.push(`-A ${MASQ_CHAIN} -j MASQUERADE`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** The POSTROUTING jump for one of this node's pod CIDRs (checked with -C, added with -A). */
export function masqueradeJump(ownCidr: string): string[] {
  return [
    'POSTROUTING',
    '-s',
    ownCidr,
    '-m',
    'comment',
    '--comment',
    'netns-kubelet pod egress',
    '-j',
    MASQ_CHAIN,
  ];
}
