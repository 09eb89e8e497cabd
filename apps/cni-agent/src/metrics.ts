// The agent's Prometheus metrics (served on the monitoring port, 15014).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EnrollmentMetrics } from './enrollment/enrollment.js';

export interface AgentMetrics extends EnrollmentMetrics {
  readonly registry: Registry;
  ztunnelConnected(connected: boolean): void;
}

export function agentMetrics(): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const enrollments = new Counter({
    name: 'istio_cni_pod_enrollments_total',
    help: 'Pods the agent tried to add to the ambient mesh, by result (enabled, pending, failed).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const enrolled = new Gauge({
    name: 'istio_cni_ambient_pods',
    help: 'Pods on this node in the ambient snapshot handed to ztunnel.',
    registers: [registry],
  });
  const connected = new Gauge({
    name: 'istio_cni_ztunnel_connected',
    help: 'Whether a ztunnel is connected to the ZDS socket and has acknowledged the snapshot.',
    registers: [registry],
  });
  return {
    registry,
    enrolled: (result) => {
      enrollments.inc({ result });
    },
    enrolledPods: (n) => {
      enrolled.set(n);
    },
    ztunnelConnected: (c) => {
      connected.set(c ? 1 : 0);
    },
  };
}
