// The I/O half of `istioctl version --remote`: find the ready istiod pods
// and ask each, through the API server, for /version and /debug/syncz on its
// monitoring port. Upstream port-forwards instead; the pod proxy answers the
// same GETs without a SPDY/WebSocket stream (it needs pods/proxy rights
// where port-forward needs pods/portforward).

import { LABEL_REV } from '../waypoint/constants.js';
import { istiodDebugHeaders } from '../kube/istiod-debug-token.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { Pod } from '../kube/objects.js';
import { multiErrorMessage } from '../cli/errors.js';
import {
  ISTIOD_SELECTOR,
  RUNNING,
  monitoringPort,
  parseIstiodVersion,
  podReady,
  proxiesFromSyncz,
  type ProxyInfo,
  type ServerInfo,
} from './mesh-info.js';

export interface RemoteResult<T> {
  readonly value: T | undefined;
  readonly error: string | undefined;
}

async function istiodPods(
  kube: KubeClient,
  istioNamespace: string,
  revision: string,
): Promise<Pod[]> {
  const labelSelector =
    revision === '' ? ISTIOD_SELECTOR : `${ISTIOD_SELECTOR},${LABEL_REV}=${revision}`;
  try {
    return await kube.listPods(istioNamespace, { labelSelector, fieldSelector: RUNNING });
  } catch (error) {
    throw new Error(`unable to retrieve Pods: ${(error as Error).message}`, { cause: error });
  }
}

/** upstream's GetIstioVersions: partial results with the errors of the pods that did not answer. */
export async function meshVersions(
  kube: KubeClient,
  istioNamespace: string,
  revision: string,
): Promise<RemoteResult<ServerInfo[]>> {
  let pods: Pod[];
  try {
    pods = (await istiodPods(kube, istioNamespace, revision)).filter(podReady);
  } catch (error) {
    return { value: undefined, error: (error as Error).message };
  }
  if (pods.length === 0) {
    return {
      value: undefined,
      error: `no running Istio pods in namespace ${JSON.stringify(istioNamespace)}`,
    };
  }
  const servers: ServerInfo[] = [];
  const errors: string[] = [];
  for (const pod of pods) {
    const ns = pod.metadata.namespace ?? istioNamespace;
    const name = pod.metadata.name ?? '';
    let body: string;
    try {
      body = await kube.podGet(ns, name, monitoringPort(pod), 'version');
    } catch (error) {
      const cause = (error as Error).message;
      errors.push(`error port-forwarding into ${ns}.${name}: ${cause}`, cause);
      continue;
    }
    const info = parseIstiodVersion(body);
    if (info) {
      servers.push({
        component: pod.metadata.labels?.istio ?? '',
        revision: pod.metadata.labels?.[LABEL_REV] ?? '',
        info,
      });
    }
  }
  return { value: servers, error: errors.length > 0 ? multiErrorMessage(errors) : undefined };
}

/** upstream's GetProxyInfo: every proxy connected to any istiod. */
export async function proxyVersions(
  kube: KubeClient,
  istioNamespace: string,
  revision: string,
): Promise<RemoteResult<ProxyInfo[]>> {
  try {
    const pods = await istiodPods(kube, istioNamespace, revision);
    if (pods.length === 0)
      return { value: undefined, error: 'unable to find any Istiod instances' };
    const headers = await istiodDebugHeaders(kube, istioNamespace);
    const proxies: ProxyInfo[] = [];
    for (const pod of pods) {
      const body = await kube.podGet(
        pod.metadata.namespace ?? istioNamespace,
        pod.metadata.name ?? '',
        monitoringPort(pod),
        'debug/syncz',
        headers,
      );
      if (body.length > 0) proxies.push(...proxiesFromSyncz(body));
    }
    return { value: proxies, error: undefined };
  } catch (error) {
    return { value: undefined, error: (error as Error).message };
  }
}
