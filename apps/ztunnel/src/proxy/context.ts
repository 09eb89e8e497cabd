// What the per-pod proxies share (one per ztunnel) and what each knows about
// its pod.

import type { HbonePool } from '@ambient-ts/hbone';
import type { NetnsFd } from '@ambient-ts/linux-sockets';
import type { CertificateManager } from '@ambient-ts/istiod-client';
import type { Workload, ProxyState } from '@ambient-ts/workload-state';
import type { Logger } from '../telemetry/logging.js';
import type { ZtunnelMetrics } from '../telemetry/metrics.js';
import type { ConnectionManager } from './connection-manager.js';
import type { PodSockets } from './sockets.js';

export interface ProxyContext {
  readonly nodeName: string;
  readonly enforceWaypoint: boolean;
  readonly responseBaggage: boolean;
  readonly state: ProxyState;
  readonly certs: CertificateManager;
  readonly metrics: ZtunnelMetrics;
  readonly accessLog: Logger;
  readonly log: Logger;
  readonly connections: ConnectionManager;
  readonly sockets: PodSockets;
  /** [0, 1), for endpoint selection. */
  readonly random: () => number;
  /** How long a connection waits for its pod's workload to arrive over xDS. */
  readonly localWorkloadTimeoutMs: number;
}

/** The pod a proxy serves, from ZDS. */
export interface PodInfo {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface PodContext {
  readonly info: PodInfo;
  readonly netns: NetnsFd;
  readonly pool: HbonePool;
  /** The pod's xDS workload, waiting for it up to localWorkloadTimeoutMs. */
  localWorkload(): Promise<Workload>;
  /** The pod's xDS workload if known now. */
  currentWorkload(): Workload | undefined;
}

export class LocalWorkloadUnknownError extends Error {
  override readonly name = 'LocalWorkloadUnknownError';
  constructor(pod: PodInfo, node: string, waitedMs: number) {
    super(
      `failed to fetch information about local workload ${pod.namespace}/${pod.name} ` +
        `(service account ${pod.serviceAccount}) on node ${node} after ${waitedMs}ms; ` +
        'is istiod sending it, and does its node field equal NODE_NAME?',
    );
  }
}
