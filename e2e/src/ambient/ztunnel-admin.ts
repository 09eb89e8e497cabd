// Looking at ztunnel the way an operator does: its pods, /config_dump on the admin port and
// /stats/prometheus (read from inside the ztunnel pod: admin listens on 127.0.0.1 only), and
// its access log through the apiserver (pods/log).
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import type { ClusterDriver } from '../drivers/cluster-driver.js';
import { connectionLines } from './access-log.js';
import { dumpWorkloads, type DumpWorkload } from './config-dump.js';
import type { ZtunnelLine } from './identity-edges.js';
import { MESH_NAMESPACE, ZTUNNEL } from './mesh-names.js';
import { parsePromText, type Sample } from './prom-text.js';

export interface ZtunnelPod {
  readonly name: string;
  readonly node: string;
}

export class ZtunnelAdminError extends Error {
  override readonly name = 'ZtunnelAdminError';
}

function isLive(p: V1Pod): boolean {
  return !p.metadata?.deletionTimestamp && p.status?.phase === 'Running';
}

/** The running ztunnel pods, one per node once rolled out. */
export async function ztunnelPods(driver: ClusterDriver): Promise<ZtunnelPod[]> {
  const list = await driver
    .kubeConfig()
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: MESH_NAMESPACE, labelSelector: ZTUNNEL.selector });
  return list.items
    .filter(isLive)
    .map((p) => ({ name: p.metadata?.name ?? '', node: p.spec?.nodeName ?? '' }));
}

// Node is in our ztunnel image (and on the local cluster's nodes); curl and wget are not.
const HTTP_GET = [
  'fetch(process.argv[1]).then(',
  '  async (r) => { process.stdout.write(await r.text()); if (!r.ok) process.exitCode = 1; },',
  '  (e) => { process.stderr.write(String(e?.cause ?? e)); process.exitCode = 2; });',
].join('\n');

/** GET http://127.0.0.1:<port><path> inside the ztunnel pod. */
export async function ztunnelGet(
  driver: ClusterDriver,
  pod: string,
  port: number,
  path: string,
): Promise<string> {
  const url = `http://127.0.0.1:${port}${path}`;
  const r = await driver.exec({ namespace: MESH_NAMESPACE, pod, container: ZTUNNEL.container }, [
    'node',
    '-e',
    HTTP_GET,
    url,
  ]);
  if (r.exitCode !== 0) {
    throw new ZtunnelAdminError(
      `GET ${url} in ${MESH_NAMESPACE}/${pod} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).slice(0, 500)}`,
    );
  }
  return r.stdout;
}

export async function ztunnelWorkloads(
  driver: ClusterDriver,
  pod: string,
): Promise<DumpWorkload[]> {
  return dumpWorkloads(await ztunnelGet(driver, pod, ZTUNNEL.adminPort, '/config_dump'));
}

export async function ztunnelStats(driver: ClusterDriver, pod: string): Promise<Sample[]> {
  return parsePromText(await ztunnelGet(driver, pod, ZTUNNEL.statsPort, '/stats/prometheus'));
}

/** `connection complete` lines of every running ztunnel, each tagged with its pod and node. */
export async function ztunnelConnectionLines(driver: ClusterDriver): Promise<ZtunnelLine[]> {
  const out: ZtunnelLine[] = [];
  for (const z of await ztunnelPods(driver)) {
    const text = await driver.logs(MESH_NAMESPACE, z.name, ZTUNNEL.container);
    for (const l of connectionLines(text))
      out.push({ ...l, ztunnelPod: z.name, ztunnelNode: z.node });
  }
  return out;
}
