// The environment and arguments istiod's waypoint Deployment gives the
// waypoint (apps/istiod/src/gateway/waypoint-objects.ts), pointed at a
// stand-in istiod: its own identity's token, its pod IP, and where its
// admin, stats and readiness endpoints listen; and a waypoint started with them.

import type { IstiodStandIn } from '@ambient-ts/istiod-client/testing';
import { istioIdentity } from '@ambient-ts/spiffe';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { Waypoint, type WaypointAddresses } from '../../src/waypoint.js';
import { TRUST_DOMAIN, workloadInit } from './mesh-resources.js';

export interface WaypointPod {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly podName: string;
  /** INSTANCE_IP; HBONE listens on <ip>:15008. */
  readonly ip: string;
  /** Port 0 picks a free one (only useful in process, where start() says which). */
  readonly ports?: { readonly admin: number; readonly stats: number; readonly readiness: number };
}

export function waypointEnv(istiod: IstiodStandIn, pod: WaypointPod): Record<string, string> {
  const ports = pod.ports ?? { admin: 0, stats: 0, readiness: 0 };
  return {
    ...istiod.env(),
    AUTH_TOKEN: istiod.workloadTokenFile(
      istioIdentity(TRUST_DOMAIN, pod.namespace, pod.serviceAccount).uri,
    ),
    POD_NAME: pod.podName,
    POD_NAMESPACE: pod.namespace,
    SERVICE_ACCOUNT: pod.serviceAccount,
    INSTANCE_IP: pod.ip,
    ADMIN_ADDR: `${pod.ip}:${ports.admin}`,
    STATS_ADDR: `${pod.ip}:${ports.stats}`,
    READINESS_ADDR: `${pod.ip}:${ports.readiness}`,
  };
}

export function waypointArgs(pod: WaypointPod): string[] {
  return ['proxy', 'waypoint', '--serviceCluster', `${pod.serviceAccount}.${pod.namespace}`];
}

/**
 * A waypoint in this process pointed at `istiod`, started and Ready (its
 * certificate, every xDS type ACKed, HBONE listening), with its logs silenced.
 */
export async function startReadyWaypoint(
  istiod: IstiodStandIn,
  pod: WaypointPod,
  timeoutMs = 10_000,
): Promise<{ waypoint: Waypoint; addresses: WaypointAddresses }> {
  const waypoint = new Waypoint(loadConfig(waypointEnv(istiod, pod), waypointArgs(pod)), {
    log: pino({ level: 'silent' }),
  });
  const addresses = await waypoint.start();
  const deadline = Date.now() + timeoutMs;
  while (!waypoint.ready) {
    if (Date.now() > deadline)
      throw new Error(`waypoint ${pod.podName} not ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { waypoint, addresses };
}

/** The waypoint pod as WDS lists it (so it can find itself, as in a cluster). */
export function waypointWorkload(pod: WaypointPod): ReturnType<typeof workloadInit> {
  return workloadInit({
    namespace: pod.namespace,
    name: 'waypoint',
    ip: pod.ip,
    serviceAccount: pod.serviceAccount,
  });
}
