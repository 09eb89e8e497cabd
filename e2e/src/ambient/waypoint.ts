// The waypoint part of the ambient scenario, as a platform engineer does it
// (after `istioctl waypoint apply --enroll-namespace`): an L7
// AuthorizationPolicy and an HTTPRoute attached to services (GAMMA), and what
// proves the waypoint runs them: its replies, its
// istio_requests_total, and the destination ztunnels' view of who connects.
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { errorText } from '@ambient-ts/local-cluster';
import type { ClusterDriver } from '../drivers/cluster-driver.js';
import { parsePromText, sumSamples } from './prom-text.js';

export const WAYPOINT_NAME = 'waypoint';
export const REVIEWS_POLICY = 'reviews-get-from-productpage';
export const RATINGS_ROUTE = 'ratings-via-waypoint';
export const ROUTE_HEADER = 'x-ambient-ts-route';

/** L7: only productpage may GET reviews — enforced by the waypoint, not ztunnel. */
export function reviewsPolicy(namespace: string, trustDomain = 'cluster.local'): string {
  // JSON is YAML: applied like the seeds' manifests.
  return JSON.stringify({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: REVIEWS_POLICY, namespace },
    spec: {
      targetRefs: [{ kind: 'Service', group: '', name: 'reviews' }],
      action: 'ALLOW',
      rules: [
        {
          from: [
            { source: { principals: [`${trustDomain}/ns/${namespace}/sa/bookinfo-productpage`] } },
          ],
          to: [{ operation: { methods: ['GET'] } }],
        },
      ],
    },
  });
}

/** A GAMMA route on ratings whose only visible effect is a response header. */
export function ratingsRoute(namespace: string): string {
  // JSON is YAML: applied like the seeds' manifests.
  return JSON.stringify({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: RATINGS_ROUTE, namespace },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: 'ratings', port: 9080 }],
      rules: [
        {
          filters: [
            {
              type: 'ResponseHeaderModifier',
              responseHeaderModifier: { add: [{ name: ROUTE_HEADER, value: RATINGS_ROUTE }] },
            },
          ],
          backendRefs: [{ name: 'ratings', port: 9080 }],
        },
      ],
    },
  });
}

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

async function getObject(
  driver: ClusterDriver,
  group: string,
  plural: string,
  namespace: string,
  name: string,
): Promise<{ status?: { conditions?: Condition[]; addresses?: unknown[] } } | undefined> {
  try {
    return (await driver.kubeConfig().makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace,
      plural,
      name,
    })) as { status?: { conditions?: Condition[] } } | undefined;
  } catch (err) {
    if (/404|not ?found/i.test(errorText(err))) return undefined;
    throw err;
  }
}

export async function gatewayConditions(
  driver: ClusterDriver,
  namespace: string,
): Promise<Condition[]> {
  const gw = await getObject(
    driver,
    'gateway.networking.k8s.io',
    'gateways',
    namespace,
    WAYPOINT_NAME,
  );
  return gw?.status?.conditions ?? [];
}

export async function policyConditions(
  driver: ClusterDriver,
  namespace: string,
): Promise<Condition[]> {
  const p = await getObject(
    driver,
    'security.istio.io',
    'authorizationpolicies',
    namespace,
    REVIEWS_POLICY,
  );
  return p?.status?.conditions ?? [];
}

export async function serviceConditions(
  driver: ClusterDriver,
  namespace: string,
  service: string,
): Promise<Condition[]> {
  const svc = await driver
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .readNamespacedService({ name: service, namespace });
  return svc.status?.conditions ?? [];
}

export function conditionTrue(conditions: readonly Condition[], type: string): boolean {
  return conditions.some((c) => c.type === type && c.status === 'True');
}

/** The waypoint's running pods (the Deployment istiod created). */
export async function waypointPods(driver: ClusterDriver, namespace: string): Promise<string[]> {
  const pods = await driver
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({
      namespace,
      labelSelector: `gateway.networking.k8s.io/gateway-name=${WAYPOINT_NAME}`,
    });
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running')
    .map((p) => p.metadata?.name ?? '');
}

export async function waypointDeploymentExists(
  driver: ClusterDriver,
  namespace: string,
): Promise<boolean> {
  try {
    await driver
      .kubeConfig()
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: WAYPOINT_NAME, namespace });
    return true;
  } catch (err) {
    if (/404|not ?found/i.test(errorText(err))) return false;
    throw err;
  }
}

export async function deleteWaypointObjects(
  driver: ClusterDriver,
  namespace: string,
): Promise<void> {
  const api = driver.kubeConfig().makeApiClient(CustomObjectsApi);
  const targets = [
    { group: 'security.istio.io', plural: 'authorizationpolicies', name: REVIEWS_POLICY },
    { group: 'gateway.networking.k8s.io', plural: 'httproutes', name: RATINGS_ROUTE },
    { group: 'gateway.networking.k8s.io', plural: 'gateways', name: WAYPOINT_NAME },
  ];
  for (const t of targets) {
    try {
      await api.deleteNamespacedCustomObject({
        group: t.group,
        version: 'v1',
        namespace,
        plural: t.plural,
        name: t.name,
      });
    } catch (err) {
      if (!/404|not ?found/i.test(errorText(err))) throw err;
    }
  }
}

/** The waypoint's istio_requests_total, read in its pod (Prometheus port 15020). */
export async function waypointRequestCount(
  driver: ClusterDriver,
  namespace: string,
  pod: string,
  match: Readonly<Record<string, string>>,
): Promise<number> {
  const r = await driver.execInPodNetns({ namespace, pod }, [
    'curl',
    '-sS',
    '--max-time',
    '5',
    'http://127.0.0.1:15020/stats/prometheus',
  ]);
  if (r.exitCode !== 0) throw new Error(`scraping waypoint ${namespace}/${pod}: ${r.stderr}`);
  return sumSamples(parsePromText(r.stdout), 'istio_requests_total', match);
}

/** GET a URL from a client pod; status, the response headers and the body. */
export async function httpGetFrom(
  driver: ClusterDriver,
  namespace: string,
  pod: string,
  url: string,
): Promise<{ status: number | undefined; headers: string; body: string; error?: string }> {
  const r = await driver.exec({ namespace, pod }, [
    'curl',
    '-sS',
    '--max-time',
    '10',
    '-D',
    '-',
    url,
  ]);
  if (r.exitCode !== 0)
    return {
      status: undefined,
      headers: '',
      body: '',
      error: `curl exit ${r.exitCode}: ${r.stderr}`,
    };
  const split = r.stdout.indexOf('\r\n\r\n');
  const headers = split >= 0 ? r.stdout.slice(0, split) : r.stdout;
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1]);
  return {
    status: Number.isInteger(status) ? status : undefined,
    headers,
    body: split >= 0 ? r.stdout.slice(split + 4) : '',
  };
}
