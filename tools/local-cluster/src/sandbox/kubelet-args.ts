// The netns kubelet's command line, per the contract with
// tools/netns-kubelet (flag names are that package's CLI).
import { pkiPath, type ClusterLayout, type NodeLayout } from '../control-plane/layout.js';
import { CLUSTER_NETWORK, type NodePlan } from '../network/plan.js';

export interface KubeletArgsInput {
  readonly node: NodePlan;
  readonly nodeLayout: NodeLayout;
  readonly clusterLayout: ClusterLayout;
  readonly imageTable: string;
  readonly binDir: string;
}

export function kubeletArgv(input: KubeletArgsInput): string[] {
  const { node, nodeLayout: nl } = input;
  return [
    '--node-name',
    node.name,
    '--node-ip',
    node.ip,
    '--kubeconfig',
    nl.kubeconfig,
    '--node-root',
    nl.root,
    '--state-dir',
    nl.kubeletStateDir,
    '--image-table',
    input.imageTable,
    '--cluster-dns',
    CLUSTER_NETWORK.dnsServiceIp,
    '--cluster-domain',
    CLUSTER_NETWORK.clusterDomain,
    '--cni-conf-dir',
    nl.cniConfDir,
    '--cni-bin-dirs',
    `${nl.cniBinDir}:/usr/lib/cni`,
    '--kube-binaries',
    input.binDir,
    // :10250 serves with a certificate from the cluster CA (SANs: node IP and
    // name) and accepts clients signed by it: the apiserver's kubelet client.
    '--tls-cert',
    nl.kubeletCert,
    '--tls-key',
    nl.kubeletKey,
    '--client-ca',
    pkiPath(input.clusterLayout, 'caCert'),
  ];
}
