// The I/O half of proxy-status: find the running istiod pods and read each
// one's /debug/syncz through the API server's pod proxy (as `version` does),
// with the token istiod's /debug/ asks for (kube/istiod-debug-token.ts).
// Upstream port-forwards to istiod's xDS port and sends a syncz discovery
// request; ours serves the same facts as JSON on its monitoring port.

import { istiodDebugHeaders } from '../kube/istiod-debug-token.js';
import type { KubeClient } from '../kube/kube-client.js';
import { RUNNING, monitoringPort } from '../version/mesh-info.js';
import { parseSyncz, type ProxySyncStatus } from './sync-status.js';

export const DEFAULT_XDS_LABEL = 'app=istiod';

/** upstream's ControlPlaneNotFoundError. */
export class ControlPlaneNotFoundError extends Error {
  override readonly name = 'ControlPlaneNotFoundError';
  constructor(readonly namespace: string) {
    super(`no running Istio pods in ${JSON.stringify(namespace)}`);
  }
}

/** One istiod did not answer, or answered something unreadable. */
export class IstiodQueryError extends Error {
  override readonly name = 'IstiodQueryError';
  constructor(pod: string, cause: Error) {
    super(`could not get XDS from discovery pod ${JSON.stringify(pod)}: ${cause.message}`, {
      cause,
    });
  }
}

/**
 * Every proxy connected to any istiod matched by `labelSelector` (upstream's
 * --xds-label, default app=istiod) in the Istio namespace. As upstream, the
 * first istiod that fails fails the command.
 */
export async function syncStatuses(
  kube: KubeClient,
  istioNamespace: string,
  labelSelector: string,
): Promise<ProxySyncStatus[]> {
  const pods = await kube.listPods(istioNamespace, { labelSelector, fieldSelector: RUNNING });
  if (pods.length === 0) throw new ControlPlaneNotFoundError(istioNamespace);
  const headers = await istiodDebugHeaders(kube, istioNamespace);
  const statuses: ProxySyncStatus[] = [];
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    try {
      const body = await kube.podGet(
        pod.metadata.namespace ?? istioNamespace,
        name,
        monitoringPort(pod),
        'debug/syncz',
        headers,
      );
      statuses.push(...parseSyncz(body, name));
    } catch (error) {
      throw new IstiodQueryError(name, error as Error);
    }
  }
  return statuses;
}
