// The bounds of one pod's DNS proxy. Without them every forwarded query held
// its own upstream socket for up to 5 s with no limit, and a TCP client could
// pipeline any number of queries: 2000 queries held 2000 file descriptors.
// Upstream ztunnel's values are not published; these are ours, far above what
// one pod's resolver library keeps in flight (a handful of A/AAAA pairs).

export interface DnsProxyLimits {
  /** Queries of one pod being forwarded upstream at once; beyond, SERVFAIL at once, no socket. */
  readonly maxInflightForwards: number;
  /** Queries one TCP connection may have unanswered; beyond, the proxy stops reading it. */
  readonly maxPipelinedPerConnection: number;
  /** TCP connections to one pod's proxy at once; beyond, closed at accept. */
  readonly maxTcpConnections: number;
  /** A TCP connection with no traffic for this long is closed (RFC 7766 §6.2.3: seconds). */
  readonly tcpIdleTimeoutMs: number;
}

export const DEFAULT_DNS_PROXY_LIMITS: DnsProxyLimits = Object.freeze({
  maxInflightForwards: 128,
  maxPipelinedPerConnection: 16,
  maxTcpConnections: 64,
  tcpIdleTimeoutMs: 30_000,
});

export class DnsProxyConfigError extends Error {
  override readonly name = 'DnsProxyConfigError';
}

/** Defaults overlaid with `overrides`, each a positive integer. */
export function resolveDnsProxyLimits(overrides: Partial<DnsProxyLimits> = {}): DnsProxyLimits {
  const limits: DnsProxyLimits = { ...DEFAULT_DNS_PROXY_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new DnsProxyConfigError(
        `DNS proxy limit ${key} = ${String(value)}: expected a positive integer`,
      );
    }
  }
  return Object.freeze(limits);
}
