// istiod's Prometheus metrics, with upstream's names and labels where
// upstream has them (pilot/pkg/xds/monitoring.go, security/pkg/server/ca/
// monitoring.go). One Registry per process, served on :15014/metrics.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import {
  ADDRESS_TYPE_URL,
  AUTHORIZATION_TYPE_URL,
  WAYPOINT_LISTENER_TYPE_URL,
  type XdsServerEvent,
} from '@ambient-ts/xds-types';
import type { CaMetrics } from './ca/ca-server.js';

/** Upstream's short metric type names (v3.GetMetricType). */
export function metricType(typeUrl: string): string {
  switch (typeUrl) {
    case ADDRESS_TYPE_URL:
      return 'wds';
    case AUTHORIZATION_TYPE_URL:
      return 'wads';
    case WAYPOINT_LISTENER_TYPE_URL:
      return 'waypoint';
    default:
      return typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  }
}

export class IstiodMetrics {
  readonly registry = new Registry();
  private readonly xdsClients: Gauge;
  private readonly pushes: Counter;
  private readonly pushTime: Histogram;
  private readonly rejects: Counter;
  private readonly expiredNonce: Counter;
  private readonly convergence: Histogram;
  private readonly services: Gauge;
  private readonly inboundUpdates: Counter;
  private readonly csrCount: Counter;
  private readonly authnFailures: Counter;
  private readonly signErrors: Counter;
  private readonly successes: Counter;
  private readonly rootExpiry: Gauge;
  private readonly connectionVersions = new Map<string, string>();
  private readonly clientCounts = new Map<string, number>();
  /** typeUrl → time of the first change not yet pushed. */
  private readonly pendingSince = new Map<string, number>();
  private readonly pushedAt = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    const registers = [this.registry];
    this.xdsClients = new Gauge({
      name: 'pilot_xds',
      help: 'Number of endpoints connected to this pilot using XDS.',
      labelNames: ['version'],
      registers,
    });
    this.pushes = new Counter({
      name: 'pilot_xds_pushes',
      help: 'Pilot build and send errors for lds, rds, cds and eds.',
      labelNames: ['type'],
      registers,
    });
    this.pushTime = new Histogram({
      name: 'pilot_xds_push_time',
      help: 'Total time in seconds Pilot takes to push lds, rds, cds and eds.',
      labelNames: ['type'],
      buckets: [0.01, 0.1, 1, 3, 5, 10, 20, 30],
      registers,
    });
    this.rejects = new Counter({
      name: 'pilot_total_xds_rejects',
      help: 'Total number of XDS responses from pilot rejected by proxy.',
      labelNames: ['type'],
      registers,
    });
    this.expiredNonce = new Counter({
      name: 'pilot_xds_expired_nonce',
      help: 'Total number of XDS requests with an expired nonce.',
      labelNames: ['type'],
      registers,
    });
    this.convergence = new Histogram({
      name: 'pilot_proxy_convergence_time',
      help: 'Delay in seconds between config change and a proxy receiving all required configuration.',
      buckets: [0.1, 0.5, 1, 3, 5, 10, 20, 30],
      registers,
    });
    this.services = new Gauge({
      name: 'pilot_services',
      help: 'Total services known to pilot.',
      registers,
    });
    this.inboundUpdates = new Counter({
      name: 'pilot_inbound_updates',
      help: 'Total number of updates received by pilot.',
      labelNames: ['type'],
      registers,
    });
    this.csrCount = new Counter({
      name: 'citadel_server_csr_count',
      help: 'The number of CSRs received by Citadel server.',
      registers,
    });
    this.authnFailures = new Counter({
      name: 'citadel_server_authentication_failure_count',
      help: 'The number of authentication failures.',
      registers,
    });
    this.signErrors = new Counter({
      name: 'citadel_server_csr_sign_err_count',
      help: 'The number of errors occurred when signing the CSR.',
      labelNames: ['error'],
      registers,
    });
    this.successes = new Counter({
      name: 'citadel_server_success_cert_issuance_count',
      help: 'The number of certificates issuances that have succeeded.',
      registers,
    });
    this.rootExpiry = new Gauge({
      name: 'citadel_server_root_cert_expiry_timestamp',
      help: 'The unix timestamp, in seconds, when Citadel root cert will expire.',
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** The CA's counters, for CaServer. */
  readonly ca: CaMetrics = {
    csr: () => {
      this.csrCount.inc();
    },
    authnError: () => {
      this.authnFailures.inc();
    },
    signError: (type) => {
      this.signErrors.inc({ error: type });
    },
    success: () => {
      this.successes.inc();
    },
  };

  setRootExpiry(notAfter: Date): void {
    this.rootExpiry.set(notAfter.getTime() / 1000);
  }

  setServiceCount(n: number): void {
    this.services.set(n);
  }

  /** A batch of changed resource names reached the xDS store. */
  resourcesChanged(typeUrl: string, count: number): void {
    this.inboundUpdates.inc({ type: metricType(typeUrl) }, count);
    if (!this.pendingSince.has(typeUrl)) this.pendingSince.set(typeUrl, this.now());
  }

  /** Observes the delta-ADS server's stream events. */
  readonly onXdsEvent = (event: XdsServerEvent): void => {
    switch (event.kind) {
      case 'connected': {
        const version = 'unknown';
        this.connectionVersions.set(event.connectionId, version);
        this.adjustClients(version, 1);
        break;
      }
      case 'disconnected': {
        const version = this.connectionVersions.get(event.connectionId);
        if (version !== undefined) {
          this.connectionVersions.delete(event.connectionId);
          this.adjustClients(version, -1);
        }
        break;
      }
      case 'push': {
        const type = metricType(event.typeUrl);
        this.pushes.inc({ type });
        const since = this.pendingSince.get(event.typeUrl);
        if (since !== undefined) {
          this.pushTime.observe({ type }, (this.now() - since) / 1000);
          if (this.pushedAt.get(event.typeUrl) !== since) {
            this.pushedAt.set(event.typeUrl, since);
            // One debounced round pushes to every stream synchronously; the
            // next change after it starts a new window.
            queueMicrotask(() => {
              if (this.pendingSince.get(event.typeUrl) === since)
                this.pendingSince.delete(event.typeUrl);
            });
          }
        }
        break;
      }
      case 'ack': {
        const since = this.pushedAt.get(event.typeUrl);
        if (since !== undefined) this.convergence.observe((this.now() - since) / 1000);
        break;
      }
      case 'nack':
        this.rejects.inc({ type: metricType(event.typeUrl) });
        break;
      case 'stale-nonce':
        this.expiredNonce.inc({ type: metricType(event.typeUrl) });
        break;
    }
  };

  private adjustClients(version: string, delta: number): void {
    const n = (this.clientCounts.get(version) ?? 0) + delta;
    this.clientCounts.set(version, n);
    this.xdsClients.set({ version }, n);
  }
}
