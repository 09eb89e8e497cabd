// What the kind node image is made of. Changing one changes the image's tag.
import { KUBERNETES_VERSION } from '@ambient-ts/local-cluster';

/** kind itself, built with `go install sigs.k8s.io/kind@KIND_VERSION`. */
export const KIND_VERSION = 'v0.33.0';
/** crictl (kind's `load` and our pod-netns helper call it on the nodes). */
export const CRICTL_VERSION = 'v1.37.0';
/** etcd kubeadm v1.37.2 asks for (`kubeadm config images list`: etcd:3.7.0-0), built from its module. */
export const ETCD_VERSION = 'v3.7.0';
/** The Debian suite of the node (systemd 252 still boots on a cgroup v1 host; trixie's refuses). */
export const NODE_SUITE = 'bookworm';

/**
 * The images `kubeadm config images list --kubernetes-version v1.37.2` names.
 * CoreDNS is our v1.15.0 build (the local cluster's) under the tag kubeadm asks for.
 */
export const CONTROL_PLANE_IMAGES = {
  apiserver: `registry.k8s.io/kube-apiserver:${KUBERNETES_VERSION}`,
  controllerManager: `registry.k8s.io/kube-controller-manager:${KUBERNETES_VERSION}`,
  scheduler: `registry.k8s.io/kube-scheduler:${KUBERNETES_VERSION}`,
  proxy: `registry.k8s.io/kube-proxy:${KUBERNETES_VERSION}`,
  coredns: 'registry.k8s.io/coredns/coredns:v1.14.6',
  pause: 'registry.k8s.io/pause:3.10.2',
  etcd: 'registry.k8s.io/etcd:3.7.0-0',
} as const;

/** Node packages on top of minbase: systemd as init, the runtime, CNI plugins, kube-proxy's and kubelet's tools. */
export const NODE_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'containerd',
  'runc',
  'containernetworking-plugins',
  'conntrack',
  'iptables',
  'nftables',
  'iproute2',
  'ethtool',
  'util-linux',
  'mount',
  'kmod',
  'libseccomp2',
  'pigz',
  'bash',
  'ca-certificates',
  'procps',
  'socat',
  // The e2e drivers run node tools in pod netns (iptables-save, ip, curl for metrics).
  'curl',
];

/** kube-proxy's image base: iptables (its rules), conntrack, ip. */
export const PROXY_BASE_PACKAGES = ['iptables', 'conntrack', 'iproute2', 'ca-certificates'];
