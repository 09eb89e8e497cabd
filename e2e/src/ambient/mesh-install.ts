// Installing the mesh from deploy/ and waiting for it, and rolling its DaemonSets: the steps
// the ambient scenario and the demo share. Driver-agnostic (Kubernetes API only).
import { readFile } from 'node:fs/promises';
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  formatDuration,
  isDeploymentAvailable,
  isPodReady,
  parseManifests,
  pollUntil,
  type Progress,
} from '@ambient-ts/local-cluster';
import type { ClusterDriver } from '../drivers/cluster-driver.js';
import { ISTIO_CNI, ISTIOD, MESH_MANIFEST, MESH_NAMESPACE, ZTUNNEL } from './mesh-names.js';

export class MeshInstallError extends Error {
  override readonly name = 'MeshInstallError';
}

/** Server-side applies the install manifest (CRDs first: apply retries kinds not served yet). */
export async function installMesh(
  driver: ClusterDriver,
  progress: Progress,
  manifest = MESH_MANIFEST,
): Promise<void> {
  const text = await readFile(manifest, 'utf8').catch((err: unknown) => {
    throw new MeshInstallError(
      `cannot read the install manifest ${manifest} (${String(err)}); generate it with the deploy project`,
    );
  });
  const objects = parseManifests(text, manifest);
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  const rest = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
  progress(`applying ${crds.length} CRDs and ${rest.length} objects from ${manifest}`);
  await driver.applyManifests(crds);
  await driver.applyManifests(rest);
}

export interface DaemonSetRollout {
  readonly desired: number;
  readonly ready: number;
  readonly updated: number;
  readonly pods: number;
}

/**
 * Why pods are not Ready, for timeout messages: a waiting container's reason and message, or
 * else the pod's newest Warning event (a failing probe says which port and path).
 */
async function unready(core: CoreV1Api, pods: readonly V1Pod[]): Promise<string> {
  const lines: string[] = [];
  for (const p of pods.filter((x) => !isPodReady(x))) {
    const name = p.metadata?.name ?? '?';
    let why = (p.status?.containerStatuses ?? [])
      .map((c) => {
        const w = c.state?.waiting;
        return w
          ? `${w.reason ?? 'waiting'}${w.message ? `: ${w.message.slice(0, 300)}` : ''}`
          : '';
      })
      .filter(Boolean)
      .join('; ');
    if (!why) {
      const events = await core
        .listNamespacedEvent({
          namespace: p.metadata?.namespace ?? MESH_NAMESPACE,
          fieldSelector: `involvedObject.name=${name}`,
        })
        .catch(() => undefined);
      const warning = events?.items.filter((e) => e.type === 'Warning').at(-1);
      why = warning
        ? `${warning.reason ?? ''}: ${(warning.message ?? '').slice(0, 300)}`
        : 'not Ready';
    }
    lines.push(`${name} on ${p.spec?.nodeName ?? '-'}: ${why}`);
  }
  return lines.length > 0 ? `; ${lines.join('; ')}` : '';
}

/** Rolled out: every node runs exactly one pod of the current template, Ready. */
export async function waitDaemonSetRolledOut(
  driver: ClusterDriver,
  name: string,
  selector: string,
  timeoutMs: number,
  namespace = MESH_NAMESPACE,
): Promise<DaemonSetRollout> {
  const kc = driver.kubeConfig();
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = (await core.listNode()).items.length;
  const r = await pollUntil<DaemonSetRollout>(
    `DaemonSet ${namespace}/${name} rolled out and Ready on all ${nodes} nodes`,
    timeoutMs,
    async () => {
      const ds = await apps.readNamespacedDaemonSet({ name, namespace });
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
      const s = ds.status;
      const now: DaemonSetRollout = {
        desired: s?.desiredNumberScheduled ?? 0,
        ready: s?.numberReady ?? 0,
        updated: s?.updatedNumberScheduled ?? 0,
        pods: pods.length,
      };
      const done =
        (s?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0) &&
        now.desired >= nodes &&
        now.ready === now.desired &&
        now.updated === now.desired &&
        (s?.numberUnavailable ?? 0) === 0 &&
        now.pods === now.desired;
      return {
        done,
        value: now,
        detail: `desired ${now.desired}, ready ${now.ready}, updated ${now.updated}, pods ${now.pods}${done ? '' : await unready(core, pods)}`,
      };
    },
    { intervalMs: 1000, hint: `kubectl -n ${namespace} describe pods -l ${selector}` },
  );
  if (!r) throw new MeshInstallError(`DaemonSet ${namespace}/${name} has no status`);
  return r;
}

/** istiod available, then istio-cni and ztunnel on every node. */
export async function waitMeshReady(
  driver: ClusterDriver,
  progress: Progress,
  timeoutMs = 5 * 60_000,
): Promise<void> {
  const started = Date.now();
  const apps = driver.kubeConfig().makeApiClient(AppsV1Api);
  const core = driver.kubeConfig().makeApiClient(CoreV1Api);
  await pollUntil(
    `Deployment ${MESH_NAMESPACE}/${ISTIOD.deployment} available`,
    timeoutMs,
    async () => {
      const dep = await apps.readNamespacedDeployment({
        name: ISTIOD.deployment,
        namespace: MESH_NAMESPACE,
      });
      const done = isDeploymentAvailable(dep);
      const pods = done
        ? []
        : (
            await core.listNamespacedPod({
              namespace: MESH_NAMESPACE,
              labelSelector: ISTIOD.selector,
            })
          ).items;
      return {
        done,
        detail: `available ${dep.status?.availableReplicas ?? 0}/${dep.spec?.replicas ?? 1}${await unready(core, pods)}`,
      };
    },
    {
      intervalMs: 1000,
      hint: `kubectl -n ${MESH_NAMESPACE} logs deploy/istiod; kubectl -n ${MESH_NAMESPACE} get events`,
    },
  );
  progress(`istiod available after ${formatDuration(Date.now() - started)}`);
  const left = (): number => Math.max(10_000, timeoutMs - (Date.now() - started));
  await waitDaemonSetRolledOut(driver, ISTIO_CNI.daemonSet, ISTIO_CNI.selector, left());
  progress(`istio-cni-node Ready on every node after ${formatDuration(Date.now() - started)}`);
  await waitDaemonSetRolledOut(driver, ZTUNNEL.daemonSet, ZTUNNEL.selector, left());
  progress(`ztunnel Ready on every node after ${formatDuration(Date.now() - started)}`);
}

/** `kubectl rollout restart daemonset/<name>`: a new template annotation rolls every pod. */
export async function restartDaemonSet(
  driver: ClusterDriver,
  name: string,
  namespace = MESH_NAMESPACE,
): Promise<void> {
  const apps = driver.kubeConfig().makeApiClient(AppsV1Api);
  await apps.patchNamespacedDaemonSet(
    {
      name,
      namespace,
      body: {
        spec: {
          template: {
            metadata: {
              annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() },
            },
          },
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
