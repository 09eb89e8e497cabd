// Pure text for the kind path: the cluster config kind reads, and the CNI
// config we install on each node in place of kindnetd (which is not on the Go
// module proxy, so cannot be built here): ptp veths per pod from the node's pod
// CIDR, routes to other nodes' pod CIDRs via those nodes. Our mesh's CNI plugin
// chains onto this conflist (it appends to the first .conflist it finds).

export interface KindConfigInput {
  readonly workers: number;
  /** The node image (our assembled one; kind would otherwise pull kindest/node). */
  readonly image?: string;
}

/**
 * One control plane and `workers` workers; no default CNI (we install ours);
 * kubelet 1.37 refuses cgroup v1 unless failCgroupV1 is false, and this
 * machine's hierarchy is v1 (hybrid).
 */
export function kindConfig(input: KindConfigInput | number): string {
  const { workers, image } =
    typeof input === 'number' ? { workers: input, image: undefined } : input;
  const node = (role: string): string[] => [
    `  - role: ${role}`,
    ...(image ? [`    image: ${image}`] : []),
  ];
  return [
    'kind: Cluster',
    'apiVersion: kind.x-k8s.io/v1alpha4',
    'networking:',
    '  disableDefaultCNI: true',
    'kubeadmConfigPatches:',
    '  - |',
    '    kind: KubeletConfiguration',
    '    failCgroupV1: false',
    'nodes:',
    ...node('control-plane'),
    ...Array.from({ length: workers }, () => node('worker')).flat(),
    '',
  ].join('\n');
}

export const KIND_CNI_CONFLIST_PATH = '/etc/cni/net.d/10-ambient-ts-ptp.conflist';

/** The node's primary CNI network: a ptp veth per pod, addresses from its pod CIDR. */
export function ptpConflist(podCidr: string): string {
  return (
    JSON.stringify(
      {
        cniVersion: '1.0.0',
        name: 'kind-ptp',
        plugins: [
          {
            type: 'ptp',
            mtu: 1500,
            ipMasq: false,
            ipam: {
              type: 'host-local',
              ranges: [[{ subnet: podCidr }]],
              routes: [{ dst: '0.0.0.0/0' }],
            },
          },
          { type: 'portmap', capabilities: { portMappings: true } },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}

export interface KindNodeAddress {
  readonly name: string;
  readonly internalIp: string;
  readonly podCidr: string;
}

/** `sh -c` run on one node: write its conflist, route every other node's pod CIDR via it. */
export function nodeNetworkScript(self: KindNodeAddress, all: readonly KindNodeAddress[]): string {
  const routes = all
    .filter((n) => n.name !== self.name)
    .map((n) => `ip route replace ${n.podCidr} via ${n.internalIp}`);
  return [
    'set -e',
    'mkdir -p /etc/cni/net.d',
    `cat > ${KIND_CNI_CONFLIST_PATH}.tmp <<'EOF'`,
    ptpConflist(self.podCidr).trimEnd(),
    'EOF',
    `mv ${KIND_CNI_CONFLIST_PATH}.tmp ${KIND_CNI_CONFLIST_PATH}`,
    ...routes,
    '',
  ].join('\n');
}

/** The apiserver's port inside the sandbox, from the kubeconfig kind wrote. */
export function apiserverPortOf(kubeconfig: string): number {
  const m = /server:\s*https:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)/.exec(kubeconfig);
  if (!m?.[1]) throw new Error('kind kubeconfig has no https://127.0.0.1:<port> server');
  return Number(m[1]);
}

/** The same kubeconfig pointing at a host-side port (the sandbox forward). */
export function withServerPort(kubeconfig: string, port: number): string {
  return kubeconfig.replace(
    /(server:\s*https:\/\/)(?:127\.0\.0\.1|localhost|\[::1\]):\d+/g,
    `$1127.0.0.1:${port}`,
  );
}
