// Everything istiod reads from its environment and command line, in one
// place (ARCHITECTURE.md §5). Names are upstream's where upstream has them
// (env vars of pilot-discovery and the istiod chart, its --grpcAddr style
// flags); a value that cannot be read is an error naming the variable.

import { ISTIO_COMPATIBILITY_VERSION } from '@ambient-ts/xds-types';
import { parseDurationSeconds } from './runtime/duration.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface IstiodConfig {
  /** POD_NAMESPACE: where istiod runs, its CA Secret and its Service live. */
  readonly namespace: string;
  readonly podName: string;
  /** CLUSTER_ID (default `Kubernetes`). */
  readonly clusterId: string;
  /** TRUST_DOMAIN (default `cluster.local`). */
  readonly trustDomain: string;
  /** ROOT_NAMESPACE (MeshConfig rootNamespace; default POD_NAMESPACE). */
  readonly rootNamespace: string;
  /** DOMAIN_SUFFIX (default `cluster.local`). */
  readonly domainSuffix: string;
  /** NETWORK (topology.istio.io/network of this cluster; default empty). */
  readonly network: string;
  /**
   * `--grpcAddr` / GRPC_ADDR: plaintext, unauthenticated xDS, for development only. Off
   * unless given an address (`--grpcAddr=:15010`); `--grpcAddr=""` is off, as upstream.
   * Upstream's default is :15010; ours is off, because 15010 serves every workload and
   * policy to anyone who can reach it.
   */
  readonly grpcAddr: HostPort | undefined;
  /** `--secureGRPCAddr` / SECURE_GRPC_ADDR: xDS + CA over TLS (default :15012). */
  readonly secureGrpcAddr: HostPort;
  /** `--monitoringAddr` / MONITORING_ADDR: /metrics, /ready, /debug (default :15014). */
  readonly monitoringAddr: HostPort;
  /**
   * `--httpAddr` / HTTP_ADDR: upstream's plain HTTP port (default :8080), where the istiod
   * Deployment's readiness probe asks for /ready. Served by the same handler as monitoring.
   */
  readonly httpAddr: HostPort;
  /** PILOT_DEBOUNCE_AFTER (default 100ms). */
  readonly debounceMs: number;
  /** CA_TRUSTED_NODE_ACCOUNTS: `ns/sa` callers allowed to impersonate (default istio-system/ztunnel). */
  readonly trustedNodeAccounts: readonly string[];
  /** TOKEN_AUDIENCES (default istio-ca). */
  readonly tokenAudiences: readonly string[];
  /** DEFAULT_WORKLOAD_CERT_TTL (default 24h). */
  readonly defaultCertTtlSeconds: number;
  /** MAX_WORKLOAD_CERT_TTL (default 2160h). */
  readonly maxCertTtlSeconds: number;
  /** CITADEL_SELF_SIGNED_CA_CERT_TTL (default 87600h). */
  readonly selfSignedRootTtlSeconds: number;
  /** USE_CACERTS_FOR_SELF_SIGNED_CA: keep the self-signed root in `cacerts`, not `istio-ca-secret`. */
  readonly useCacertsForSelfSigned: boolean;
  /** PILOT_CA_CERT_CONFIGMAP (default istio-ca-root-cert). */
  readonly rootCertConfigMap: string;
  /** ISTIOD_CUSTOM_HOST: extra DNS names for istiod's serving certificate. */
  readonly customHosts: readonly string[];
  /** AMBIENT_ENABLE_STATUS (default true). */
  readonly enableStatus: boolean;
  /** AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY (default false). */
  readonly enableDryRun: boolean;
  /** PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER (default true). */
  readonly enableDeploymentController: boolean;
  /** WAYPOINT_IMAGE: image of waypoint Deployments (default docker.io/istio/proxyv2:<ISTIO_VERSION>). */
  readonly waypointImage: string;
  /** ISTIO_VERSION, reported on /version and in the proxy version label. */
  readonly version: string;
  /** LOG_LEVEL (default info). */
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `:15010`, `0.0.0.0:15010`, `[::]:15010` → host and port ('' host = all interfaces). */
export function parseHostPort(name: string, text: string): HostPort {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new ConfigError(`${name}=${text}: expected [host]:port, e.g. :15010`);
  }
  return { host: m[1] ?? m[2] ?? '', port };
}

/** An address, or undefined for '' (the listener is off). */
export function optionalHostPort(name: string, text: string): HostPort | undefined {
  return text === '' ? undefined : parseHostPort(name, text);
}

/** A Go duration (`100ms`, `24h`, `1h30m`) in seconds. */
export function parseGoDurationSeconds(name: string, text: string): number {
  const seconds = parseDurationSeconds(text);
  if (seconds === undefined) {
    throw new ConfigError(`${name}=${text}: expected a Go duration such as 100ms, 24h or 1h30m`);
  }
  return seconds;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new ConfigError(`${name}=${v}: expected true or false`);
}

function list(env: Env, name: string, fallback: readonly string[]): readonly string[] {
  const v = env[name];
  if (v === undefined) return fallback;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function flag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] ?? '';
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

export function loadConfig(
  env: Env = process.env,
  argv: readonly string[] = process.argv.slice(2),
): IstiodConfig {
  const namespace = env.POD_NAMESPACE || 'istio-system';
  const version = env.ISTIO_VERSION || ISTIO_COMPATIBILITY_VERSION;
  const trustedNodeAccounts = list(env, 'CA_TRUSTED_NODE_ACCOUNTS', [`${namespace}/ztunnel`]);
  for (const account of trustedNodeAccounts) {
    if (!/^[^/]+\/[^/]+$/.test(account)) {
      throw new ConfigError(
        `CA_TRUSTED_NODE_ACCOUNTS entry "${account}": expected <namespace>/<serviceaccount>`,
      );
    }
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${logLevel}: expected trace, debug, info, warn or error`);
  }
  const duration = (name: string, fallback: string): number =>
    parseGoDurationSeconds(name, env[name] || fallback);
  return {
    namespace,
    podName: env.POD_NAME || 'istiod',
    clusterId: env.CLUSTER_ID || 'Kubernetes',
    trustDomain: env.TRUST_DOMAIN || 'cluster.local',
    rootNamespace: env.ROOT_NAMESPACE || namespace,
    domainSuffix: env.DOMAIN_SUFFIX || 'cluster.local',
    network: env.NETWORK || '',
    grpcAddr: optionalHostPort('--grpcAddr', flag(argv, 'grpcAddr') ?? env.GRPC_ADDR ?? ''),
    secureGrpcAddr: parseHostPort(
      '--secureGRPCAddr',
      flag(argv, 'secureGRPCAddr') ?? env.SECURE_GRPC_ADDR ?? ':15012',
    ),
    monitoringAddr: parseHostPort(
      '--monitoringAddr',
      flag(argv, 'monitoringAddr') ?? env.MONITORING_ADDR ?? ':15014',
    ),
    httpAddr: parseHostPort('--httpAddr', flag(argv, 'httpAddr') ?? env.HTTP_ADDR ?? ':8080'),
    debounceMs: Math.round(duration('PILOT_DEBOUNCE_AFTER', '100ms') * 1000),
    trustedNodeAccounts,
    tokenAudiences: list(env, 'TOKEN_AUDIENCES', ['istio-ca']),
    defaultCertTtlSeconds: duration('DEFAULT_WORKLOAD_CERT_TTL', '24h'),
    maxCertTtlSeconds: duration('MAX_WORKLOAD_CERT_TTL', '2160h'),
    selfSignedRootTtlSeconds: duration('CITADEL_SELF_SIGNED_CA_CERT_TTL', '87600h'),
    useCacertsForSelfSigned: bool(env, 'USE_CACERTS_FOR_SELF_SIGNED_CA', false),
    rootCertConfigMap: env.PILOT_CA_CERT_CONFIGMAP || 'istio-ca-root-cert',
    customHosts: list(env, 'ISTIOD_CUSTOM_HOST', []),
    enableStatus: bool(env, 'AMBIENT_ENABLE_STATUS', true),
    enableDryRun: bool(env, 'AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY', false),
    enableDeploymentController: bool(env, 'PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER', true),
    waypointImage: env.WAYPOINT_IMAGE || `docker.io/istio/proxyv2:${version}`,
    version,
    logLevel: logLevel as IstiodConfig['logLevel'],
  };
}
