// Containerfiles (pure text) of the control-plane images and of the node image.
import { PRELOAD_DIR } from './node-files.js';

const PATH_ENV = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A static Go binary alone: kubeadm's static pods run it by name through PATH. */
export function staticBinaryImage(
  binary: string,
  entrypoint: readonly string[] | undefined,
): string {
  return [
    'FROM scratch',
    `COPY ${binary} /usr/local/bin/${binary}`,
    PATH_ENV,
    ...(entrypoint ? [`ENTRYPOINT ${JSON.stringify(entrypoint)}`] : []),
    '',
  ].join('\n');
}

/** kube-proxy needs iptables-restore/-save and conntrack from its image. */
export function proxyImage(baseRef: string): string {
  return [`FROM ${baseRef}`, 'COPY kube-proxy /usr/local/bin/kube-proxy', PATH_ENV, ''].join('\n');
}

/** Units systemd must not start in a node container (no udev, no modules, no consoles). */
export const MASKED_UNITS = [
  'systemd-binfmt.service',
  'systemd-modules-load.service',
  'systemd-udevd.service',
  'getty.target',
  'console-getty.service',
  'sys-kernel-debug.mount',
  'sys-kernel-tracing.mount',
  'sys-kernel-config.mount',
];

export function nodeImage(baseRef: string): string {
  return [
    `FROM ${baseRef}`,
    'COPY rootfs/ /',
    'COPY bin/kubelet bin/kubeadm bin/kubectl bin/crictl /usr/bin/',
    `COPY control-plane.tar ${PRELOAD_DIR}/control-plane.tar`,
    // Debian keeps CNI plugins in /usr/lib/cni; containerd and our chained plugin use /opt/cni/bin.
    'RUN mkdir -p /opt/cni/bin /etc/cni/net.d /etc/kubernetes/manifests /var/lib/kubelet' +
      ' && cp -a /usr/lib/cni/. /opt/cni/bin/' +
      ' && systemctl enable containerd.service kubelet.service ambient-ts-preload-images.service' +
      ` && systemctl mask ${MASKED_UNITS.join(' ')}` +
      " && echo 'ReadKMsg=no' >> /etc/systemd/journald.conf",
    'ENV container=podman',
    'STOPSIGNAL SIGRTMIN+3',
    'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
    '',
  ].join('\n');
}
