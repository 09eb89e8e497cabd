// The per-pod /etc/hosts and /etc/resolv.conf kubelet writes and bind-mounts into containers.
import type { Pod } from './k8s-types.js';

export function hostsFile(
  pod: Pod,
  podIPs: readonly string[],
  hostname: string,
  clusterDomain: string,
): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const sub = pod.spec?.subdomain;
  const ns = pod.metadata?.namespace ?? 'default';
  for (const ip of podIPs) {
    lines.push(
      sub
        ? `${ip}\t${hostname}.${sub}.${ns}.svc.${clusterDomain}\t${hostname}`
        : `${ip}\t${hostname}`,
    );
  }
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length > 0) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * resolv.conf per dnsPolicy; undefined means "use the node's own" (Default, or ClusterFirst on
 * a hostNetwork pod, which Kubernetes treats as Default).
 */
export function resolvConf(
  pod: Pod,
  clusterDns: string,
  clusterDomain: string,
): string | undefined {
  const ns = pod.metadata?.namespace ?? 'default';
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const hostNet = pod.spec?.hostNetwork ?? false;
  const cfg = pod.spec?.dnsConfig;
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !hostNet)) {
    nameservers = [clusterDns];
    searches = [`${ns}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain];
    options = ['ndots:5'];
  } else if (policy !== 'None' && !cfg) {
    return undefined;
  }
  nameservers = [...nameservers, ...(cfg?.nameservers ?? [])];
  searches = [...searches, ...(cfg?.searches ?? [])];
  for (const o of cfg?.options ?? []) {
    const rendered = o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? '');
    const key = o.name ?? '';
    options = [...options.filter((x) => x.split(':')[0] !== key), rendered];
  }
  const lines = [];
  if (searches.length) lines.push(`search ${searches.join(' ')}`);
  for (const n of nameservers) lines.push(`nameserver ${n}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
