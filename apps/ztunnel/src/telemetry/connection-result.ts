// The telemetry of one proxied connection, as upstream's ConnectionResult:
// `istio_tcp_connections_opened_total` when it starts (plus a debug
// `connection opened` line), byte counters, and at the end
// `istio_tcp_connections_closed_total` with the final response flag and the
// `connection complete` access log line (error level, `error` last, when it
// failed).

import type { Logger } from './logging.js';
import type { ZtunnelMetrics } from './metrics.js';
import { trafficLabels, type ConnectionFacts, type ResponseFlag } from './traffic-labels.js';

export interface ConnectionEnds {
  /** The client's `ip:port`. */
  readonly src: string;
  /** The next hop: e.g. `podIP:15008`, a waypoint, or the plain destination. */
  readonly dst: string;
  /** The CONNECT authority, for HBONE. */
  readonly hboneAddr?: string;
  /** Pod names for the log (fall back to canonical service). */
  readonly srcName?: string;
  readonly dstName?: string;
}

export interface Clock {
  now(): number;
}

const monotonic: Clock = { now: () => performance.now() };

export class ConnectionResult {
  /** Bytes client → server (Istio's "received", for both reporters). */
  #requestBytes = 0;
  /** Bytes server → client (Istio's "sent"). */
  #responseBytes = 0;
  #recorded = false;
  readonly #start: number;

  constructor(
    readonly ends: ConnectionEnds,
    readonly facts: ConnectionFacts,
    private readonly metrics: ZtunnelMetrics,
    private readonly accessLog: Logger,
    private readonly clock: Clock = monotonic,
  ) {
    this.#start = clock.now();
    metrics.connectionsOpened.inc(trafficLabels(facts));
    if (accessLog.isLevelEnabled('debug')) accessLog.debug(this.#fields(), 'connection opened');
  }

  get recorded(): boolean {
    return this.#recorded;
  }

  /** Adds bytes the client sent towards the server. */
  addRequestBytes(n: number): void {
    if (n <= 0) return;
    this.#requestBytes += n;
    this.metrics.receivedBytes.inc(trafficLabels(this.facts), n);
  }

  /** Adds bytes the server sent back to the client. */
  addResponseBytes(n: number): void {
    if (n <= 0) return;
    this.#responseBytes += n;
    this.metrics.sentBytes.inc(trafficLabels(this.facts), n);
  }

  /**
   * Brings the byte counters up to the connection's running totals, so the
   * metrics move while a long connection is still open. Totals never go back.
   */
  syncBytes(requestTotal: number, responseTotal: number): void {
    this.addRequestBytes(requestTotal - this.#requestBytes);
    this.addResponseBytes(responseTotal - this.#responseBytes);
  }

  /** Records the end once: closed counter with `flag`, and the access log line. */
  record(error?: Error | string, flag: ResponseFlag = '-'): void {
    if (this.#recorded) return;
    this.#recorded = true;
    this.metrics.connectionsClosed.inc(trafficLabels(this.facts, flag));
    const fields: Record<string, unknown> = {
      ...this.#fields(),
      direction: this.facts.reporter === 'source' ? 'outbound' : 'inbound',
      // Logs are not flipped like the metrics: sent/recv from the client's point of view
      // outbound, from the server's inbound.
      bytes_sent: this.facts.reporter === 'source' ? this.#requestBytes : this.#responseBytes,
      bytes_recv: this.facts.reporter === 'source' ? this.#responseBytes : this.#requestBytes,
      duration: `${Math.round(this.clock.now() - this.#start)}ms`,
    };
    if (error === undefined) {
      this.accessLog.info(fields, 'connection complete');
    } else {
      fields.error = typeof error === 'string' ? error : error.message;
      this.accessLog.error(fields, 'connection complete');
    }
  }

  #fields(): Record<string, unknown> {
    const labels = trafficLabels(this.facts);
    const mtls = this.facts.securityPolicy === 'mutual_tls';
    const known = (v: string | undefined): string | undefined =>
      v === undefined || v === 'unknown' ? undefined : v;
    const f: Record<string, unknown> = {
      'src.addr': this.ends.src,
      'src.workload': this.ends.srcName ?? known(labels.source_canonical_service),
      'src.namespace': known(labels.source_workload_namespace),
      'src.identity': mtls ? known(labels.source_principal) : undefined,
      'src.cluster': known(labels.source_cluster),
      'dst.addr': this.ends.dst,
      'dst.hbone_addr': this.ends.hboneAddr,
      'dst.service': known(labels.destination_service),
      'dst.workload': this.ends.dstName ?? known(labels.destination_canonical_service),
      'dst.namespace': known(labels.destination_workload_namespace),
      'dst.identity': mtls ? known(labels.destination_principal) : undefined,
      'dst.cluster': known(labels.destination_cluster),
    };
    return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
  }
}

/** A failure before the connection's context is known (upstream's `connection failed`). */
export function logEarlyFailure(
  accessLog: Logger,
  src: string,
  dst: string,
  direction: 'inbound' | 'outbound',
  error: string,
): void {
  accessLog.warn({ 'src.addr': src, 'dst.addr': dst, direction, error }, 'connection failed');
}
