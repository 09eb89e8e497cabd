// Whether a pod's network namespace still holds the in-pod redirection
// (reference/istiod.md §5.3): the ISTIO_* chains in `iptables-save` output
// and the fwmark rule to table 100. Pure.

/** Names of ISTIO_* chains declared in `iptables-save` output (any table). */
export function istioChains(iptablesSave: string): string[] {
  const chains = new Set<string>();
  for (const line of iptablesSave.split('\n')) {
    const m = /^:(ISTIO_\w+)\s/.exec(line.trim());
    if (m?.[1]) chains.add(m[1]);
  }
  return [...chains].sort();
}

/** `ip rule` lines that send the connmark 0x111 to table 100. */
export function istioIpRules(ipRuleShow: string): string[] {
  return ipRuleShow
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /fwmark 0x111\/0xfff/.test(l) && /lookup 100\b/.test(l));
}
