// The files our kind node image carries besides its packages and binaries:
// what kind expects of a node (/kind/version, an entrypoint that ends in
// systemd, kubelet run by systemd from kubeadm's flags, containerd on
// /run/containerd/containerd.sock) and what this machine needs (cgroup v1,
// no CAP_SYS_RESOURCE, the host's kernel tunables kept as they are).
// Written for this project from kind's documented node contract; no kind file is copied.

export interface NodeFile {
  readonly path: string;
  readonly mode: number;
  readonly content: string;
}

/** Where the control-plane image archives wait to be imported at boot. */
export const PRELOAD_DIR = '/kind/images';

/**
 * Host-global kernel tunables kubelet writes at start (vm.overcommit_memory=1,
 * kernel.panic=10, kernel.panic_on_oops=1, …). A privileged node container sees
 * the host's /proc/sys, so the entrypoint lays a private file over each one:
 * kubelet reads and writes the file, and the host keeps its own values.
 */
export const SHIELDED_SYSCTLS = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
];

export function entrypointScript(): string {
  return [
    '#!/bin/sh',
    '# ambient-ts kind node: prepare the container, then boot systemd ("$@").',
    'set -e',
    '# Volumes and pod mounts need shared propagation below /.',
    'mount --make-rshared /',
    '# Host-global tunables kubelet would change: private files over them (see node-files.ts).',
    'mkdir -p /run/ambient-ts/sysctl',
    `for key in ${SHIELDED_SYSCTLS.join(' ')}; do`,
    '  [ -e "/proc/sys/$key" ] || continue',
    '  file="/run/ambient-ts/sysctl/$(echo "$key" | tr / .)"',
    '  cat "/proc/sys/$key" > "$file"',
    '  mount --bind "$file" "/proc/sys/$key"',
    'done',
    "# cgroup v1: kubelet runs under kind's cgroupRoot /kubelet (systemd: kubelet.slice) and needs it",
    '# in every hierarchy; systemd creates it only in those it manages (not cpuset, cpuacct).',
    'if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then',
    '  for h in /sys/fs/cgroup/*; do',
    '    [ -d "$h" ] && [ ! -L "$h" ] && [ "${h##*/}" != unified ] || continue',
    '    mkdir -p "$h/kubelet.slice"',
    '    if [ -e "$h/cpuset.cpus" ]; then',
    '      cat "$h/cpuset.cpus" > "$h/kubelet.slice/cpuset.cpus"',
    '      cat "$h/cpuset.mems" > "$h/kubelet.slice/cpuset.mems"',
    '    fi',
    '  done',
    "  # kind's readiness signal on a cgroup v1 host: the node's cgroups are ready for systemd.",
    "  echo 'INFO: detected cgroup v1'",
    'fi',
    '# Pods on other nodes are reached through this node.',
    'echo 1 > /proc/sys/net/ipv4/ip_forward',
    '# One machine id per node (kubelet reports it as the node system UUID source).',
    'rm -f /etc/machine-id',
    'systemd-machine-id-setup >/dev/null 2>&1 || tr -d - < /proc/sys/kernel/random/uuid > /etc/machine-id',
    '# Tell systemd it runs in a container (no udev, no getty).',
    'export container=podman',
    'exec "$@"',
    '',
  ].join('\n');
}

export function kubeletUnit(): string {
  return [
    '[Unit]',
    'Description=kubelet: the Kubernetes node agent',
    'Wants=containerd.service',
    'After=containerd.service ambient-ts-preload-images.service',
    '',
    '[Service]',
    '# kubeadm writes /var/lib/kubelet/config.yaml, then restarts us; until then we wait.',
    "ExecStartPre=/bin/sh -c 'test -f /var/lib/kubelet/config.yaml'",
    'Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"',
    'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"',
    'EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env',
    'EnvironmentFile=-/etc/default/kubelet',
    'ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS',
    'Restart=always',
    'RestartSec=1s',
    'StartLimitInterval=0',
    'CPUAccounting=true',
    'MemoryAccounting=true',
    'Slice=kubelet.slice',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** kind's kubelet config sets cgroupRoot /kubelet; with the systemd driver that is this slice. */
export function kubeletSlice(): string {
  return [
    '[Unit]',
    'Description=kubelet and its pods',
    'Before=slices.target',
    '',
    '[Slice]',
    '',
  ].join('\n');
}

export function preloadUnit(): string {
  return [
    '[Unit]',
    'Description=Import the control-plane images into containerd (ambient-ts kind node)',
    'Requires=containerd.service',
    'After=containerd.service',
    'Before=kubelet.service',
    `ConditionPathExists=${PRELOAD_DIR}`,
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStart=/bin/sh -c 'until ctr version >/dev/null 2>&1; do sleep 0.2; done; for f in ${PRELOAD_DIR}/*.tar; do ctr --namespace=k8s.io images import --all-platforms "$f" || exit 1; done'`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * Debian's containerd.service asks for LimitNOFILE=infinity; root here lacks
 * CAP_SYS_RESOURCE and the node was started with nofile 20000, so ask for that.
 */
export function containerdLimitsDropIn(): string {
  return ['[Service]', 'LimitNOFILE=20000', 'LimitNPROC=32768', ''].join('\n');
}

/**
 * containerd 1.6 (config version 2): CRI with runc under systemd cgroups (kind's
 * kubelet uses the systemd driver), the pause image kubeadm names, and
 * restrict_oom_score_adj — this machine refuses negative oom_score_adj.
 */
export function containerdConfig(pauseImage: string): string {
  return [
    'version = 2',
    '',
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = "${pauseImage}"`,
    '  restrict_oom_score_adj = true',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    '    discard_unpacked_layers = false',
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '      runtime_type = "io.containerd.runc.v2"',
    '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    '        SystemdCgroup = true',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    '    bin_dir = "/opt/cni/bin"',
    '    conf_dir = "/etc/cni/net.d"',
    '',
  ].join('\n');
}

export function crictlConfig(): string {
  return 'runtime-endpoint: unix:///run/containerd/containerd.sock\nimage-endpoint: unix:///run/containerd/containerd.sock\n';
}

/** kind falls back to a host-path class when this is absent; same thing, stated. */
export function defaultStorageManifest(): string {
  return [
    'apiVersion: storage.k8s.io/v1',
    'kind: StorageClass',
    'metadata:',
    '  name: standard',
    '  annotations:',
    '    storageclass.kubernetes.io/is-default-class: "true"',
    'provisioner: kubernetes.io/host-path',
    '',
  ].join('\n');
}

/** Every file, with the Kubernetes version kind reads from /kind/version. */
export function nodeFiles(input: { kubernetesVersion: string; pauseImage: string }): NodeFile[] {
  return [
    { path: 'kind/version', mode: 0o644, content: `${input.kubernetesVersion}\n` },
    { path: 'kind/manifests/default-storage.yaml', mode: 0o644, content: defaultStorageManifest() },
    { path: 'usr/local/bin/entrypoint', mode: 0o755, content: entrypointScript() },
    { path: 'etc/systemd/system/kubelet.service', mode: 0o644, content: kubeletUnit() },
    { path: 'etc/systemd/system/kubelet.slice', mode: 0o644, content: kubeletSlice() },
    {
      path: 'etc/systemd/system/ambient-ts-preload-images.service',
      mode: 0o644,
      content: preloadUnit(),
    },
    {
      path: 'etc/systemd/system/containerd.service.d/10-ambient-ts-limits.conf',
      mode: 0o644,
      content: containerdLimitsDropIn(),
    },
    {
      path: 'etc/containerd/config.toml',
      mode: 0o644,
      content: containerdConfig(input.pauseImage),
    },
    { path: 'etc/crictl.yaml', mode: 0o644, content: crictlConfig() },
    {
      path: 'etc/sysctl.d/10-ambient-ts-node.conf',
      mode: 0o644,
      content: 'net.ipv4.ip_forward = 1\nnet.ipv4.conf.all.rp_filter = 0\n',
    },
  ];
}
