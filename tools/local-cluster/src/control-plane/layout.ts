// Where everything of one cluster lives on disk. The state dir is the single
// root: deleting it (after the sandbox is gone) leaves nothing behind.
import path from 'node:path';

export interface ClusterLayout {
  readonly stateDir: string;
  /** Present only in directories we created; cleanup never removes a dir without it. */
  readonly marker: string;
  readonly spec: string;
  readonly daemonPid: string;
  readonly sandboxPid: string;
  readonly progress: string;
  readonly status: string;
  readonly daemonLog: string;
  readonly logs: string;
  readonly pki: string;
  readonly etcdData: string;
  /** Unix socket inside the state dir, served by the supervisor, bridged to the apiserver. */
  readonly apiserverSocket: string;
  /** The kubeconfig for clients on the host (via the loopback forwarder). */
  readonly kubeconfig: string;
  /** Kubeconfigs used inside the sandbox's root netns (server https://127.0.0.1:6443). */
  readonly internalKubeconfigs: string;
  readonly nodes: string;
}

export interface NodeLayout {
  readonly dir: string;
  /** The node's root: hostPath volumes resolve below it. */
  readonly root: string;
  readonly cniConfDir: string;
  readonly cniBinDir: string;
  readonly ipamDataDir: string;
  readonly kubeconfig: string;
  readonly kubeletStateDir: string;
  readonly kubeletCert: string;
  readonly kubeletKey: string;
  readonly log: string;
}

export const CLUSTER_MARKER_FILE = '.ambient-ts-cluster';

export function clusterLayout(stateDir: string): ClusterLayout {
  const p = (...s: string[]) => path.join(stateDir, ...s);
  return {
    stateDir,
    marker: p(CLUSTER_MARKER_FILE),
    spec: p('cluster.json'),
    daemonPid: p('daemon.pid'),
    sandboxPid: p('sandbox.pid'),
    progress: p('progress.jsonl'),
    status: p('status.json'),
    daemonLog: p('logs', 'daemon.log'),
    logs: p('logs'),
    pki: p('pki'),
    etcdData: p('etcd'),
    apiserverSocket: p('apiserver.sock'),
    kubeconfig: p('kubeconfig'),
    internalKubeconfigs: p('kubeconfigs'),
    nodes: p('nodes'),
  };
}

export function nodeLayout(cluster: ClusterLayout, nodeName: string): NodeLayout {
  const dir = path.join(cluster.nodes, nodeName);
  const root = path.join(dir, 'root');
  return {
    dir,
    root,
    cniConfDir: path.join(root, 'etc', 'cni', 'net.d'),
    cniBinDir: path.join(root, 'opt', 'cni', 'bin'),
    ipamDataDir: path.join(root, 'var', 'lib', 'cni', 'networks'),
    kubeconfig: path.join(dir, 'kubeconfig'),
    kubeletStateDir: path.join(dir, 'state'),
    kubeletCert: path.join(dir, 'pki', 'kubelet.crt'),
    kubeletKey: path.join(dir, 'pki', 'kubelet.key'),
    log: path.join(cluster.logs, `kubelet-${nodeName}.log`),
  };
}

/** PKI file names under <stateDir>/pki. */
export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  apiserverCert: 'apiserver.crt',
  apiserverKey: 'apiserver.key',
  apiserverKubeletClientCert: 'apiserver-kubelet-client.crt',
  apiserverKubeletClientKey: 'apiserver-kubelet-client.key',
  frontProxyCaCert: 'front-proxy-ca.crt',
  frontProxyClientCert: 'front-proxy-client.crt',
  frontProxyClientKey: 'front-proxy-client.key',
  serviceAccountKey: 'sa.key',
  serviceAccountPub: 'sa.pub',
} as const;

export function pkiPath(cluster: ClusterLayout, file: keyof typeof PKI_FILES): string {
  return path.join(cluster.pki, PKI_FILES[file]);
}

export const CLUSTER_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
