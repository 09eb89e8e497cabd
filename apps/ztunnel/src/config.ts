// ztunnel's configuration from the environment: upstream's variable names and
// defaults (src/config.rs), checked once at start so a typo fails loudly with
// the variable's name instead of misbehaving later. The only file that reads
// process.env.

import { readFileSync } from 'node:fs';
import type { HboneSettings } from '@ambient-ts/hbone';
import {
  ConfigError,
  envBool,
  envDuration,
  envHostPort,
  envInt,
  envPrefixed,
  grpcEndpointFromEnv,
  type AuthToken,
  type GrpcEndpoint,
  type ProxyEnv,
} from '@ambient-ts/istiod-client';

export { ConfigError, parseDurationMs } from '@ambient-ts/istiod-client';

export interface Config {
  readonly nodeName: string;
  readonly podName: string;
  readonly podNamespace: string;
  readonly instanceIp: string;
  readonly clusterId: string;
  readonly network: string;
  readonly clusterDomain: string;
  /** ISTIO_META_* without the prefix. */
  readonly proxyMetadata: Readonly<Record<string, string>>;
  readonly jsonMetadata: Readonly<Record<string, unknown>>;

  readonly xds: GrpcEndpoint;
  readonly ca: GrpcEndpoint;
  /** AUTH_TOKEN: a file path (re-read for every request) or a literal token. */
  readonly authToken: AuthToken;
  /** SECRET_TTL, seconds. */
  readonly secretTtlSeconds: number;

  /** INPOD_UDS: the ZDS socket istio-cni listens on. */
  readonly inpodUds: string;
  /** INPOD_PORT_REUSE: SO_REUSEPORT on in-pod listeners (lets a new ztunnel bind before the old one leaves). */
  readonly inpodPortReuse: boolean;
  /** PACKET_MARK: SO_MARK on every socket in a pod netns; the in-pod rules skip it. */
  readonly packetMark: number;
  /** DNS proxy on 15053 inside each pod (ISTIO_META_DNS_CAPTURE). */
  readonly dnsProxy: boolean;
  /**
   * Where the DNS proxy forwards what it does not answer: DNS_UPSTREAM (ours,
   * comma-separated `ip[:port]`), else the nameservers of ztunnel's own
   * /etc/resolv.conf, as upstream.
   */
  readonly dnsUpstreams: readonly string[];

  readonly adminAddr: { readonly host: string; readonly port: number };
  readonly statsAddr: { readonly host: string; readonly port: number };
  readonly readinessAddr: { readonly host: string; readonly port: number };

  readonly logFormat: 'json' | 'plain';
  /** RUST_LOG-style directives, e.g. `info,access:debug`. */
  readonly logLevel: string;

  readonly hbone: Partial<HboneSettings>;
  /** Drain deadline on SIGTERM. */
  readonly terminationDeadlineMs: number;
  /**
   * Refuse inbound HBONE to a workload that has a workload waypoint unless it
   * comes from that waypoint (ours; upstream leaves this to policy).
   */
  readonly enforceWaypoint: boolean;
  /** ENABLE_RESPONSE_BAGGAGE: the 200 carries a baggage header for the destination. */
  readonly responseBaggage: boolean;
}

type Env = ProxyEnv;

/** Upstream's drain deadline: CONNECTION_TERMINATION_DEADLINE, else from the grace period, else 5 s. */
function terminationDeadline(env: Env): number {
  if (env.CONNECTION_TERMINATION_DEADLINE) {
    return envDuration(env, 'CONNECTION_TERMINATION_DEADLINE', 5000);
  }
  const grace = env.TERMINATION_GRACE_PERIOD_SECONDS;
  if (grace) {
    const g = envInt(env, 'TERMINATION_GRACE_PERIOD_SECONDS', 0, 0);
    return Math.max(1, g > 10 ? g - 5 : g - 1) * 1000;
  }
  return 5000;
}

/** Nameservers of a resolv.conf text. */
export function resolvConfNameservers(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined);
}

function readResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

export function loadConfig(
  env: Env = process.env,
  resolvConf: () => string = readResolvConf,
): Config {
  const proxyMode = env.PROXY_MODE ?? 'shared';
  if (proxyMode !== 'shared') {
    throw new ConfigError('PROXY_MODE', `"${proxyMode}": only shared (in-pod) mode is supported`);
  }
  const nodeName = env.NODE_NAME ?? '';
  if (!nodeName) {
    throw new ConfigError(
      'NODE_NAME',
      'is required: local pods are the xDS workloads whose node equals it (set it from spec.nodeName)',
    );
  }
  const proxyMetadata = envPrefixed(env, 'ISTIO_META_');
  const jsonMetadata: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(envPrefixed(env, 'ISTIO_METAJSON_'))) {
    try {
      jsonMetadata[k] = JSON.parse(v) as unknown;
    } catch {
      throw new ConfigError(`ISTIO_METAJSON_${k}`, 'is not valid JSON');
    }
  }
  const token = env.AUTH_TOKEN ?? './var/run/secrets/tokens/istio-token';
  const logFormat = env.LOG_FORMAT ?? 'json';
  if (logFormat !== 'json' && logFormat !== 'plain') {
    throw new ConfigError('LOG_FORMAT', `"${logFormat}" is neither json nor plain`);
  }
  const hbone: Partial<HboneSettings> = {
    streamWindowBytes: envInt(env, 'HTTP2_STREAM_WINDOW_SIZE', 4 * 1024 * 1024, 65_535),
    connectionWindowBytes: envInt(env, 'HTTP2_CONNECTION_WINDOW_SIZE', 16 * 1024 * 1024, 65_535),
    maxFrameBytes: envInt(env, 'HTTP2_FRAME_SIZE', 1024 * 1024, 16_384, 2 ** 24 - 1),
    poolMaxStreamsPerConnection: envInt(env, 'POOL_MAX_STREAMS_PER_CONNECTION', 100, 1),
    poolIdleReleaseMs: envDuration(env, 'POOL_UNUSED_RELEASE_TIMEOUT', 5 * 60_000),
  };
  return {
    nodeName,
    podName: env.POD_NAME ?? '',
    podNamespace: env.POD_NAMESPACE ?? '',
    instanceIp: env.INSTANCE_IP ?? '',
    clusterId: env.ISTIO_META_CLUSTER_ID || 'Kubernetes',
    network: env.NETWORK ?? proxyMetadata.NETWORK ?? '',
    clusterDomain: env.CLUSTER_DOMAIN || 'cluster.local',
    proxyMetadata,
    jsonMetadata,
    xds: grpcEndpointFromEnv(env, 'XDS_ADDRESS', 'XDS_ROOT_CA', 'ALT_XDS_HOSTNAME', 'XDS_HEADER_'),
    ca: grpcEndpointFromEnv(env, 'CA_ADDRESS', 'CA_ROOT_CA', 'ALT_CA_HOSTNAME', 'CA_HEADER_'),
    authToken:
      token.includes('/') || token.startsWith('.')
        ? { kind: 'file', value: token }
        : { kind: 'literal', value: token },
    secretTtlSeconds: Math.round(envDuration(env, 'SECRET_TTL', 24 * 3_600_000) / 1000),
    inpodUds: env.INPOD_UDS || '/var/run/ztunnel/ztunnel.sock',
    inpodPortReuse: envBool(env, 'INPOD_PORT_REUSE', true),
    packetMark: envInt(env, 'PACKET_MARK', 1337, 1, 2 ** 32 - 1),
    dnsProxy: envBool(env, 'ISTIO_META_DNS_CAPTURE', true),
    dnsUpstreams: env.DNS_UPSTREAM
      ? env.DNS_UPSTREAM.split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : resolvConfNameservers(resolvConf()),
    adminAddr: envHostPort(env, 'ADMIN_ADDR', '127.0.0.1:15000'),
    statsAddr: envHostPort(env, 'STATS_ADDR', '[::]:15020'),
    readinessAddr: envHostPort(env, 'READINESS_ADDR', '[::]:15021'),
    logFormat,
    logLevel: env.RUST_LOG || env.LOG_LEVEL || 'info',
    hbone,
    terminationDeadlineMs: terminationDeadline(env),
    enforceWaypoint: envBool(env, 'ZTUNNEL_ENFORCE_WAYPOINT', true),
    responseBaggage: envBool(env, 'ENABLE_RESPONSE_BAGGAGE', true),
  };
}
