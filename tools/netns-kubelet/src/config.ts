// The CLI's flags become one typed config. This file is the only place that reads
// process.env (ARCHITECTURE.md §5).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { asNodeIP, type NodeIP } from './brands.js';
import { ConfigError } from './errors.js';

export interface TlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** Client certificates are verified against this CA when given (the apiserver's kubelet client cert). */
  readonly clientCaFile?: string;
}

export interface KubeletConfig {
  readonly nodeName: string;
  readonly nodeIP: NodeIP;
  readonly kubeconfig: string;
  /** hostPath volumes resolve under this directory (a node's private "/"). */
  readonly nodeRoot: string;
  readonly stateDir: string;
  readonly imageTable: string;
  readonly clusterDns: string;
  readonly clusterDomain: string;
  readonly cniConfDir: string;
  readonly cniBinDirs: readonly string[];
  readonly kubeBinaries: string;
  readonly port: number;
  readonly tls?: TlsConfig;
  readonly logLevel: string;
  /** First CrashLoopBackOff delay; kubelet uses 10 s, doubling to 5 min. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** The kubelet's PATH, to find ip, nsenter, unshare, iptables. */
  readonly envPath: string | undefined;
}

const usage =
  'usage: netns-kubelet --node-name <n> --node-ip <ip> --kubeconfig <path> --node-root <dir> ' +
  '--state-dir <dir> --image-table <path> --cluster-dns <ip> [--cluster-domain cluster.local] ' +
  '--cni-conf-dir <dir> --cni-bin-dirs <dir1:dir2> --kube-binaries <dir> ' +
  '[--port 10250] [--tls-cert <f> --tls-key <f> [--client-ca <f>]] [--log-level info]';

export function parseConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): KubeletConfig {
  const str = { type: 'string' } as const;
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'node-name': str,
        'node-ip': str,
        kubeconfig: str,
        'node-root': str,
        'state-dir': str,
        'image-table': str,
        'cluster-dns': str,
        'cluster-domain': str,
        'cni-conf-dir': str,
        'cni-bin-dirs': str,
        'kube-binaries': str,
        port: str,
        'tls-cert': str,
        'tls-key': str,
        'client-ca': str,
        'log-level': str,
        'backoff-initial': str,
        'backoff-max': str,
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n${usage}`);
  }
  const required = (flag: string): string => {
    const v = values[flag];
    if (v === undefined || v === '') throw new ConfigError(`missing --${flag}\n${usage}`);
    return v;
  };
  const abs = (flag: string): string => path.resolve(required(flag));
  const seconds = (flag: string, dflt: number): number => {
    const v = values[flag];
    if (v === undefined) return dflt * 1000;
    const n = Number(v.replace(/s$/, ''));
    if (!Number.isFinite(n) || n <= 0)
      throw new ConfigError(`--${flag} must be seconds > 0, got ${v}`);
    return n * 1000;
  };

  const nodeIPRaw = required('node-ip');
  let nodeIP: NodeIP;
  try {
    nodeIP = asNodeIP(nodeIPRaw);
  } catch {
    throw new ConfigError(`--node-ip ${nodeIPRaw} is not an IP address`);
  }
  const port = Number(values.port ?? '10250');
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new ConfigError(`--port must be a TCP port, got ${values.port}`);

  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new ConfigError('--tls-cert and --tls-key go together');
  const clientCa = values['client-ca'];
  const tls: TlsConfig | undefined =
    certFile !== undefined && keyFile !== undefined
      ? {
          certFile: path.resolve(certFile),
          keyFile: path.resolve(keyFile),
          ...(clientCa !== undefined ? { clientCaFile: path.resolve(clientCa) } : {}),
        }
      : undefined;

  const binDirs = required('cni-bin-dirs')
    .split(':')
    .filter((d) => d !== '')
    .map((d) => path.resolve(d));

  return {
    nodeName: required('node-name'),
    nodeIP,
    kubeconfig: abs('kubeconfig'),
    nodeRoot: abs('node-root'),
    stateDir: abs('state-dir'),
    imageTable: abs('image-table'),
    clusterDns: required('cluster-dns'),
    clusterDomain: values['cluster-domain'] ?? 'cluster.local',
    cniConfDir: abs('cni-conf-dir'),
    cniBinDirs: binDirs,
    kubeBinaries: abs('kube-binaries'),
    port,
    ...(tls ? { tls } : {}),
    logLevel: values['log-level'] ?? env.NETNS_KUBELET_LOG_LEVEL ?? 'info',
    backoffInitialMs: seconds('backoff-initial', 10),
    backoffMaxMs: seconds('backoff-max', 300),
    envPath: env.PATH,
  };
}

export { usage as configUsage };
