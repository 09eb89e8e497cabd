// ztunnel's Prometheus metrics (prom-client), upstream names and help texts.

import { Counter, Gauge, Registry } from 'prom-client';
import { TRAFFIC_LABEL_NAMES } from './traffic-labels.js';

export class ZtunnelMetrics {
  readonly registry = new Registry();
  readonly connectionsOpened: Counter;
  readonly connectionsClosed: Counter;
  readonly receivedBytes: Counter;
  readonly sentBytes: Counter;
  readonly xdsTerminations: Counter;
  readonly activeProxies: Gauge;
  readonly pendingProxies: Gauge;
  readonly proxiesStarted: Counter;
  readonly proxiesStopped: Counter;

  constructor(istioVersion = '1.24.0-ambient-ts') {
    const r = [this.registry];
    const labelNames = [...TRAFFIC_LABEL_NAMES];
    this.connectionsOpened = new Counter({
      name: 'istio_tcp_connections_opened_total',
      help: 'The total number of TCP connections opened',
      labelNames,
      registers: r,
    });
    this.connectionsClosed = new Counter({
      name: 'istio_tcp_connections_closed_total',
      help: 'The total number of TCP connections closed',
      labelNames,
      registers: r,
    });
    // Istio's convention: "received" is the request direction (client → server)
    // for both reporters, "sent" the response direction.
    this.receivedBytes = new Counter({
      name: 'istio_tcp_received_bytes_total',
      help: 'The size of total bytes received during request in case of a TCP connection',
      labelNames,
      registers: r,
    });
    this.sentBytes = new Counter({
      name: 'istio_tcp_sent_bytes_total',
      help: 'The size of total bytes sent during response in case of a TCP connection',
      labelNames,
      registers: r,
    });
    this.xdsTerminations = new Counter({
      name: 'istio_xds_connection_terminations_total',
      help: 'The total number of completed connections to xds server (unstable)',
      labelNames: ['reason'],
      registers: r,
    });
    new Gauge({
      name: 'istio_build',
      help: 'Istio component build info',
      labelNames: ['component', 'tag'],
      registers: r,
    }).set({ component: 'ztunnel', tag: istioVersion }, 1);
    // The in-pod manager's metrics sit outside the istio_ prefix upstream.
    this.activeProxies = new Gauge({
      name: 'workload_manager_active_proxy_count',
      help: 'The total number current workloads with active proxies',
      registers: r,
    });
    this.pendingProxies = new Gauge({
      name: 'workload_manager_pending_proxy_count',
      help: 'The total number current workloads with pending proxies',
      registers: r,
    });
    this.proxiesStarted = new Counter({
      name: 'workload_manager_proxies_started_total',
      help: 'The total number of proxies that were started',
      registers: r,
    });
    this.proxiesStopped = new Counter({
      name: 'workload_manager_proxies_stopped_total',
      help: 'The total number of proxies that were stopped',
      registers: r,
    });
  }
}
