// Bookinfo in ambient mode, step by step: deploy it unchanged with the two
// clients, label or unlabel the namespace, wait for the pods' redirection
// annotation, and call productpage from a client pod. Shared by the ambient
// scenario and the demo; driver-agnostic.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { pollUntil, type Progress } from '@ambient-ts/local-cluster';
import type { ClusterDriver } from '../drivers/cluster-driver.js';
import {
  BOOKINFO_MANIFESTS_DIR,
  BOOKINFO_POD_COUNT,
  bookinfoManifestText,
} from '../scenarios/bookinfo.js';
import { readProductPage, type ReviewsVersion } from '../scenarios/product-page.js';
import { ALLOWED_CLIENT_APP, allowedClientObjects } from './allowed-client.js';
import type { PodFacts } from './identity-edges.js';
import { DATAPLANE_MODE_LABEL, REDIRECTION_ANNOTATION } from './mesh-names.js';
import type { CallOutcome } from './traffic-loop.js';

/** Bookinfo's six pods, the curl client and the client running as the allowed principal. */
export const AMBIENT_POD_COUNT = BOOKINFO_POD_COUNT + 1;
export const CURL_APP = 'curl';
export { ALLOWED_CLIENT_APP };

export async function deployBookinfoAndClients(
  driver: ClusterDriver,
  namespace: string,
  progress: Progress,
  timeoutMs = 5 * 60_000,
): Promise<V1Pod[]> {
  await driver.createNamespace(namespace);
  for (const text of await bookinfoManifestText()) await driver.applyManifests(text, namespace);
  const curl = await readFile(path.join(BOOKINFO_MANIFESTS_DIR, 'curl.yaml'), 'utf8');
  await driver.applyManifests(allowedClientObjects(curl), namespace);
  progress(`applied bookinfo, curl and ${ALLOWED_CLIENT_APP} in ${namespace}; waiting for Ready`);
  return driver.waitForPodsReady(namespace, undefined, timeoutMs, AMBIENT_POD_COUNT);
}

export async function listPods(driver: ClusterDriver, namespace: string): Promise<V1Pod[]> {
  const list = await driver.kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** What must not change when a namespace joins or leaves the mesh: identity, containers, restarts. */
export interface PodSnapshot {
  readonly name: string;
  readonly uid: string;
  readonly app: string;
  readonly node: string;
  readonly ips: readonly string[];
  readonly containers: number;
  readonly restarts: number;
  readonly redirection: string | undefined;
}

export function snapshotPods(pods: readonly V1Pod[]): PodSnapshot[] {
  return pods
    .map((p) => ({
      name: p.metadata?.name ?? '',
      uid: p.metadata?.uid ?? '',
      app: p.metadata?.labels?.['app'] ?? '',
      node: p.spec?.nodeName ?? '',
      ips: (p.status?.podIPs ?? []).map((x) => x.ip).filter((x): x is string => !!x),
      containers: (p.spec?.containers.length ?? 0) + (p.spec?.initContainers?.length ?? 0),
      restarts: (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
      redirection: p.metadata?.annotations?.[REDIRECTION_ANNOTATION],
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The fields that must stay the same, without the redirection annotation (which must change). */
export function stableView(s: readonly PodSnapshot[]): Omit<PodSnapshot, 'redirection'>[] {
  return s.map((p) => ({
    name: p.name,
    uid: p.uid,
    app: p.app,
    node: p.node,
    ips: p.ips,
    containers: p.containers,
    restarts: p.restarts,
  }));
}

export function podFacts(s: readonly PodSnapshot[]): PodFacts[] {
  return s.map((p) => ({ name: p.name, app: p.app, ips: p.ips, node: p.node }));
}

export function podOf(s: readonly PodSnapshot[], app: string): PodSnapshot {
  const p = s.find((x) => x.app === app);
  if (!p) throw new Error(`no pod with app=${app} (pods: ${s.map((x) => x.name).join(', ')})`);
  return p;
}

/** Labels (`ambient`) or unlabels (`undefined`) the namespace; a merge patch, nothing else changes. */
export async function setDataplaneMode(
  driver: ClusterDriver,
  namespace: string,
  mode: 'ambient' | undefined,
): Promise<void> {
  await setNamespaceLabel(driver, namespace, DATAPLANE_MODE_LABEL, mode ?? null);
}

/** Sets (or with null removes) one label of a namespace, as `kubectl label` does. */
export async function setNamespaceLabel(
  driver: ClusterDriver,
  namespace: string,
  key: string,
  value: string | null,
): Promise<void> {
  await driver
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .patchNamespace(
      { name: namespace, body: { metadata: { labels: { [key]: value } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}

/** Waits until every pod of the namespace carries (or no longer carries) redirection=enabled. */
export async function waitRedirection(
  driver: ClusterDriver,
  namespace: string,
  want: 'enabled' | undefined,
  timeoutMs = 2 * 60_000,
): Promise<PodSnapshot[]> {
  const pods = await pollUntil(
    `every pod in ${namespace} ${want ? `annotated ${REDIRECTION_ANNOTATION}=${want}` : `without ${REDIRECTION_ANNOTATION}`}`,
    timeoutMs,
    async () => {
      const s = snapshotPods(await listPods(driver, namespace));
      const off = s.filter((p) => p.redirection !== want);
      return {
        done: s.length > 0 && off.length === 0,
        value: s,
        detail: off.map((p) => `${p.name}: ${p.redirection ?? '(none)'}`).join(', '),
      };
    },
    { intervalMs: 1000, hint: 'see the istio-cni-node logs in istio-system' },
  );
  return pods ?? [];
}

export const PRODUCTPAGE_URL = 'http://productpage:9080/productpage';
const STATUS_MARK = '\n--http-status:';

export interface ProductpageCall {
  readonly exitCode: number;
  readonly httpStatus: number | undefined;
  readonly body: string;
  readonly stderr: string;
}

export async function callProductpage(
  driver: ClusterDriver,
  namespace: string,
  clientPod: string,
  maxTimeSeconds = 10,
): Promise<ProductpageCall> {
  const r = await driver.exec({ namespace, pod: clientPod }, [
    'curl',
    '-sS',
    '--max-time',
    String(maxTimeSeconds),
    '-w',
    `${STATUS_MARK}%{http_code}`,
    PRODUCTPAGE_URL,
  ]);
  const i = r.stdout.lastIndexOf(STATUS_MARK);
  const status = i >= 0 ? Number(r.stdout.slice(i + STATUS_MARK.length).trim()) : NaN;
  return {
    exitCode: r.exitCode,
    httpStatus: Number.isInteger(status) && status > 0 ? status : undefined,
    body: i >= 0 ? r.stdout.slice(0, i) : r.stdout,
    stderr: r.stderr.trim(),
  };
}

/** A call succeeded when curl did, productpage said 200 and the page shows no backend failure. */
export function outcomeOf(call: ProductpageCall): CallOutcome & { version?: ReviewsVersion } {
  if (call.exitCode !== 0)
    return { ok: false, detail: `curl exit ${call.exitCode}: ${call.stderr}` };
  if (call.httpStatus !== 200) return { ok: false, detail: `HTTP ${call.httpStatus ?? '?'}` };
  const page = readProductPage(call.body);
  if (page.problems.length > 0) return { ok: false, detail: page.problems.join('; ') };
  return {
    ok: true,
    detail: `200 reviews ${page.reviewsVersion ?? '?'}`,
    version: page.reviewsVersion,
  };
}

export interface RepeatedCalls {
  readonly calls: number;
  readonly failures: readonly string[];
  readonly versions: ReadonlySet<ReviewsVersion>;
}

/**
 * Calls productpage at least `minCalls` times and until reviews v2 or v3 answered (so
 * reviews→ratings happened too), at most `maxCalls`.
 */
export async function callProductpageRepeatedly(
  driver: ClusterDriver,
  namespace: string,
  clientPod: string,
  minCalls = 5,
  maxCalls = 40,
): Promise<RepeatedCalls> {
  const failures: string[] = [];
  const versions = new Set<ReviewsVersion>();
  let calls = 0;
  while (calls < maxCalls && (calls < minCalls || !(versions.has('v2') || versions.has('v3')))) {
    calls++;
    const o = outcomeOf(await callProductpage(driver, namespace, clientPod));
    if (!o.ok) failures.push(`call ${calls}: ${o.detail}`);
    if (o.version) versions.add(o.version);
  }
  return { calls, failures, versions };
}
