// The waypoint's configuration from its environment and arguments — the
// variables istiod's waypoint Deployment sets (apps/istiod/src/gateway/
// waypoint-objects.ts; upstream's pilot-agent reads the same names) — checked
// once at start so a typo fails with the variable's name. The only file that
// reads process.env.

import type { HboneSettings } from '@ambient-ts/hbone';
import {
  ConfigError,
  envDuration,
  envHostPort,
  envInt,
  grpcEndpointFromEnv,
  type GrpcEndpoint,
} from '@ambient-ts/istiod-client';

export { ConfigError };

export interface WaypointConfig {
  readonly podName: string;
  readonly podNamespace: string;
  /** INSTANCE_IP: the pod IP; the HBONE listener binds it (all addresses when empty). */
  readonly instanceIp: string;
  readonly serviceAccount: string;
  readonly nodeName: string;
  readonly trustDomain: string;
  readonly clusterId: string;
  readonly network: string;
  /** `--serviceCluster`, e.g. `waypoint.bookinfo`: names this waypoint in logs. */
  readonly serviceCluster: string;
  /** ISTIO_META_* without the prefix, announced in the xDS Node metadata. */
  readonly proxyMetadata: Readonly<Record<string, string>>;

  readonly xds: GrpcEndpoint;
  readonly ca: GrpcEndpoint;
  /** The projected istio-ca token (re-read for every request; kubelet rotates it). */
  readonly tokenPath: string;
  /** SECRET_TTL, seconds. */
  readonly secretTtlSeconds: number;

  readonly hboneAddr: { readonly host: string; readonly port: number };
  readonly adminAddr: { readonly host: string; readonly port: number };
  readonly statsAddr: { readonly host: string; readonly port: number };
  readonly readinessAddr: { readonly host: string; readonly port: number };

  /** LOG_LEVEL (pino levels); logs are JSON lines, as the ztunnel's default. */
  readonly logLevel: string;
  readonly hbone: Partial<HboneSettings>;
  /** Drain deadline on SIGTERM. */
  readonly terminationDeadlineMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string, why: string): string {
  const v = env[name];
  if (!v) throw new ConfigError(name, `is required: ${why}`);
  return v;
}

/** `proxy waypoint --serviceCluster <gw>.<ns> --domain …` (istiod's args); unknown flags are ignored as pilot-agent's. */
export function parseArgs(argv: readonly string[]): { serviceCluster?: string; domain?: string } {
  const out: { serviceCluster?: string; domain?: string } = {};
  const positional = argv.filter((a, i) => !a.startsWith('-') && !argv[i - 1]?.startsWith('--'));
  if (positional.length > 0 && positional[0] !== 'proxy') {
    throw new ConfigError('args', `unknown command "${positional[0]}"; expected "proxy waypoint"`);
  }
  if (positional[1] !== undefined && positional[1] !== 'waypoint') {
    throw new ConfigError(
      'args',
      `proxy type "${positional[1]}" is not supported; only "waypoint"`,
    );
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const [flag, inline] = a.split('=', 2);
    const value = inline ?? argv[i + 1];
    if (flag === '--serviceCluster' && value !== undefined) out.serviceCluster = value;
    if (flag === '--domain' && value !== undefined) out.domain = value;
  }
  return out;
}

export function loadConfig(env: Env = process.env, argv: readonly string[] = []): WaypointConfig {
  const args = parseArgs(argv);
  const podName = required(env, 'POD_NAME', 'set it from metadata.name');
  const podNamespace = required(env, 'POD_NAMESPACE', 'set it from metadata.namespace');
  const serviceAccount =
    env.SERVICE_ACCOUNT ||
    env.ISTIO_META_SERVICE_ACCOUNT ||
    required(env, 'SERVICE_ACCOUNT', 'set it from spec.serviceAccountName');
  const proxyMetadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('ISTIO_META_') && v !== undefined) proxyMetadata[k.slice(11)] = v;
  }
  const instanceIp = env.INSTANCE_IP ?? '';
  return {
    podName,
    podNamespace,
    instanceIp,
    serviceAccount,
    nodeName: env.NODE_NAME || env.ISTIO_META_NODE_NAME || '',
    trustDomain: env.TRUST_DOMAIN || 'cluster.local',
    clusterId: env.ISTIO_META_CLUSTER_ID || 'Kubernetes',
    network: env.ISTIO_META_NETWORK ?? '',
    serviceCluster:
      args.serviceCluster?.replace('$(POD_NAMESPACE)', podNamespace) ?? `waypoint.${podNamespace}`,
    proxyMetadata,
    // istiod's waypoint template sets XDS_ADDRESS and CA_ADDR (pilot-agent's names).
    xds: grpcEndpointFromEnv(
      { ...env, XDS_ADDRESS: env.XDS_ADDRESS },
      'XDS_ADDRESS',
      'XDS_ROOT_CA',
      'ALT_XDS_HOSTNAME',
      'XDS_HEADER_',
    ),
    ca: grpcEndpointFromEnv(
      { ...env, CA_ADDRESS: env.CA_ADDRESS || env.CA_ADDR },
      'CA_ADDRESS',
      'CA_ROOT_CA',
      'ALT_CA_HOSTNAME',
      'CA_HEADER_',
    ),
    tokenPath: env.AUTH_TOKEN || '/var/run/secrets/tokens/istio-token',
    secretTtlSeconds: Math.round(envDuration(env, 'SECRET_TTL', 24 * 3_600_000) / 1000),
    hboneAddr: envHostPort(
      env,
      'HBONE_ADDR',
      instanceIp.includes(':') ? `[${instanceIp}]:15008` : `${instanceIp || '0.0.0.0'}:15008`,
    ),
    adminAddr: envHostPort(env, 'ADMIN_ADDR', '127.0.0.1:15000'),
    statsAddr: envHostPort(env, 'STATS_ADDR', '0.0.0.0:15020'),
    readinessAddr: envHostPort(env, 'READINESS_ADDR', '0.0.0.0:15021'),
    logLevel: env.LOG_LEVEL || 'info',
    hbone: {
      streamWindowBytes: envInt(env, 'HTTP2_STREAM_WINDOW_SIZE', 4 * 1024 * 1024, 65_535),
      connectionWindowBytes: envInt(env, 'HTTP2_CONNECTION_WINDOW_SIZE', 16 * 1024 * 1024, 65_535),
    },
    terminationDeadlineMs: envDuration(env, 'TERMINATION_DRAIN_DURATION', 5000),
  };
}
