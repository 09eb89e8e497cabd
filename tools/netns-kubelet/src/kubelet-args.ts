// The CLI's argv from a typed description, so a driver that launches the kubelet (the local
// cluster's supervisor) cannot drift from the flags config.ts parses.
export interface KubeletArgs {
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly kubeconfig: string;
  readonly nodeRoot: string;
  readonly stateDir: string;
  readonly imageTable: string;
  readonly clusterDns: string;
  readonly clusterDomain?: string;
  readonly cniConfDir: string;
  readonly cniBinDirs: readonly string[];
  readonly kubeBinaries: string;
  readonly port?: number;
  readonly tls?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly clientCaFile?: string;
  };
  readonly logLevel?: string;
}

export function kubeletArgs(a: KubeletArgs): string[] {
  return [
    '--node-name',
    a.nodeName,
    '--node-ip',
    a.nodeIP,
    '--kubeconfig',
    a.kubeconfig,
    '--node-root',
    a.nodeRoot,
    '--state-dir',
    a.stateDir,
    '--image-table',
    a.imageTable,
    '--cluster-dns',
    a.clusterDns,
    '--cluster-domain',
    a.clusterDomain ?? 'cluster.local',
    '--cni-conf-dir',
    a.cniConfDir,
    '--cni-bin-dirs',
    a.cniBinDirs.join(':'),
    '--kube-binaries',
    a.kubeBinaries,
    ...(a.port !== undefined ? ['--port', String(a.port)] : []),
    ...(a.tls ? ['--tls-cert', a.tls.certFile, '--tls-key', a.tls.keyFile] : []),
    ...(a.tls?.clientCaFile ? ['--client-ca', a.tls.clientCaFile] : []),
    ...(a.logLevel ? ['--log-level', a.logLevel] : []),
  ];
}
