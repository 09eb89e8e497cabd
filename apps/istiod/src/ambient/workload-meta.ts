// Names derived from a pod's labels and owners: the workload (Deployment,
// CronJob, …) name, and the canonical service name and revision istio uses
// for telemetry (pkg/kube/util.go, pkg/kube/labels/labels.go upstream).

import type { Pod } from '../kube/objects.js';

const NAME_LABELS = ['service.istio.io/canonical-name', 'app.kubernetes.io/name', 'app'];
const REVISION_LABELS = [
  'service.istio.io/canonical-revision',
  'app.kubernetes.io/version',
  'version',
];
const WORKLOAD_NAME_LABEL = 'service.istio.io/workload-name';
const CRON_JOB_NAME = /^(.+)-\d{8,10}$/;

function firstLabel(
  labels: Readonly<Record<string, string>>,
  keys: readonly string[],
): string | undefined {
  for (const key of keys) {
    const value = labels[key];
    if (value !== undefined) return value;
  }
  return undefined;
}

export function canonicalService(
  labels: Readonly<Record<string, string>>,
  workloadName: string,
): { name: string; revision: string } {
  return {
    name: firstLabel(labels, NAME_LABELS) ?? workloadName,
    revision: firstLabel(labels, REVISION_LABELS) ?? 'latest',
  };
}

/** The owning workload's name: Deployment from a ReplicaSet's hash, CronJob from a Job, else the controller or the pod. */
export function podWorkloadName(pod: Pod): string {
  const labels = pod.metadata.labels ?? {};
  const override = labels[WORKLOAD_NAME_LABEL];
  if (override !== undefined) return override;
  const podName = pod.metadata.name ?? '';
  if (!pod.metadata.generateName) return podName;
  const controller = (pod.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!controller?.name) return podName;
  const name = controller.name;
  const hash = labels['pod-template-hash'];
  const trim = (suffix: string): string =>
    name.endsWith(`-${suffix}`) ? name.slice(0, name.length - suffix.length - 1) : name;
  if (controller.kind === 'ReplicaSet' && hash && name.endsWith(hash)) return trim(hash);
  const rolloutHash = labels['rollouts-pod-template-hash'];
  if (controller.kind === 'ReplicaSet' && rolloutHash && name.endsWith(rolloutHash)) {
    return trim(rolloutHash);
  }
  if (controller.kind === 'ReplicationController' && labels.deploymentconfig) {
    return labels.deploymentconfig;
  }
  if (controller.kind === 'Job') {
    const m = CRON_JOB_NAME.exec(name);
    if (m?.[1]) return m[1];
  }
  return name;
}
