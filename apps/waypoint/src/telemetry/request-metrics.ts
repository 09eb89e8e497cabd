// The waypoint's Prometheus registry: Istio's request metrics plus the
// process's own. Served on :15020/stats/prometheus.

import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REQUEST_LABEL_NAMES, type RequestLabels } from './request-labels.js';

// Istio's default buckets for istio_request_duration_milliseconds.
const DURATION_BUCKETS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
  1800000, 3600000,
];

export class RequestMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly xdsRejections: Counter;

  constructor() {
    this.#requests = new Counter({
      name: 'istio_requests_total',
      help: 'Requests handled by the waypoint',
      labelNames: REQUEST_LABEL_NAMES,
      registers: [this.registry],
    });
    this.#duration = new Histogram({
      name: 'istio_request_duration_milliseconds',
      help: 'Request duration from the first request byte to the last response byte',
      labelNames: REQUEST_LABEL_NAMES,
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.xdsRejections = new Counter({
      name: 'waypoint_xds_rejections_total',
      help: 'xDS responses the waypoint NACKed',
      labelNames: ['type_url'],
      registers: [this.registry],
    });
    collectDefaultMetrics({ register: this.registry });
  }

  record(labels: RequestLabels, durationMs: number): void {
    this.#requests.inc(labels);
    this.#duration.observe(labels, durationMs);
  }
}
