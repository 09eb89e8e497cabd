// The Pod's status as kubelet computes it (phase, conditions, container statuses) from what the
// runtime knows. Pure; the Kubernetes writer turns it into a status-subresource patch.
import type { Pod } from './k8s-types.js';

export type ContainerState =
  | { readonly kind: 'waiting'; readonly reason: string; readonly message?: string }
  | { readonly kind: 'running'; readonly startedAt: Date }
  | {
      readonly kind: 'terminated';
      readonly exitCode: number;
      readonly signal?: number;
      readonly reason: string;
      readonly message?: string;
      readonly startedAt?: Date;
      readonly finishedAt: Date;
    };

export type TerminatedState = Extract<ContainerState, { kind: 'terminated' }>;

export interface ContainerRecord {
  readonly name: string;
  readonly image: string;
  readonly imageID?: string;
  readonly containerID?: string;
  readonly state: ContainerState;
  readonly lastTerminated?: TerminatedState;
  readonly restartCount: number;
  readonly ready: boolean;
  /** Startup probe passed (or none); undefined before the container first runs. */
  readonly started?: boolean;
}

export interface PodRecord {
  readonly sandboxReady: boolean;
  readonly podIPs: readonly string[];
  readonly hostIPs: readonly string[];
  readonly startTime?: Date;
  readonly initContainers: readonly ContainerRecord[];
  readonly containers: readonly ContainerRecord[];
  /** Set once every init container has succeeded. */
  readonly initialized: boolean;
  /** A pod-level failure that ends the pod (an init container failed under restartPolicy Never). */
  readonly failed?: { readonly reason: string; readonly message: string };
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface PodCondition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime: Date;
  readonly lastProbeTime: null;
}

export interface ComputedPodStatus {
  readonly phase: PodPhase;
  readonly conditions: readonly PodCondition[];
  readonly podIPs: readonly string[];
  readonly hostIPs: readonly string[];
  readonly startTime?: Date;
  readonly initContainerStatuses: readonly ContainerRecord[];
  readonly containerStatuses: readonly ContainerRecord[];
  readonly reason?: string;
  readonly message?: string;
}

export function podPhase(pod: Pod, rec: PodRecord): PodPhase {
  if (rec.failed) return 'Failed';
  if (!rec.initialized) return 'Pending';
  const policy = pod.spec?.restartPolicy ?? 'Always';
  let waiting = 0;
  let running = 0;
  let failed = 0;
  for (const c of rec.containers) {
    if (c.state.kind === 'running') running++;
    else if (c.state.kind === 'terminated') {
      if (c.state.exitCode !== 0) failed++;
    } else if (c.lastTerminated) {
      // Waiting to restart after a run: the pod is still Running.
      if (!(c.lastTerminated.exitCode === 0 && policy === 'OnFailure')) running++;
    } else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (rec.containers.length === 0) return 'Pending';
  if (policy === 'Always') return 'Running';
  if (failed > 0) return policy === 'Never' ? 'Failed' : 'Running';
  return 'Succeeded';
}

function condition(
  type: string,
  ok: boolean,
  now: Date,
  previous: readonly PodCondition[],
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = previous.find((c) => c.type === type);
  return {
    type,
    status,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
    lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now,
    lastProbeTime: null,
  };
}

const names = (cs: readonly ContainerRecord[]): string => `[${cs.map((c) => c.name).join(' ')}]`;

export function computePodStatus(
  pod: Pod,
  rec: PodRecord,
  previous: readonly PodCondition[],
  now: Date,
): ComputedPodStatus {
  const phase = podPhase(pod, rec);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const unready = rec.containers.filter((c) => !c.ready);
  const incompleteInit = rec.initContainers.filter(
    (c) => !(c.state.kind === 'terminated' && c.state.exitCode === 0),
  );
  const containersReady = !terminal && rec.initialized && unready.length === 0;
  const gates = pod.spec?.readinessGates ?? [];
  const podConditions = pod.status?.conditions ?? [];
  const unmetGates = gates.filter(
    (g) => podConditions.find((c) => c.type === g.conditionType)?.status !== 'True',
  );
  const ready = containersReady && unmetGates.length === 0;
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMsg = terminal ? undefined : `containers with unready status: ${names(unready)}`;
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', rec.sandboxReady, now, previous),
    condition(
      'Initialized',
      rec.initialized,
      now,
      previous,
      rec.initialized ? undefined : 'ContainersNotInitialized',
      rec.initialized ? undefined : `containers with incomplete status: ${names(incompleteInit)}`,
    ),
    condition(
      'Ready',
      ready,
      now,
      previous,
      ready ? undefined : containersReady ? 'ReadinessGatesNotReady' : notReadyReason,
      ready
        ? undefined
        : containersReady
          ? `corresponding condition of pod readiness gate ${JSON.stringify(unmetGates[0]?.conditionType)} does not exist.`
          : notReadyMsg,
    ),
    condition(
      'ContainersReady',
      containersReady,
      now,
      previous,
      containersReady ? undefined : notReadyReason,
      containersReady ? undefined : notReadyMsg,
    ),
    condition('PodScheduled', true, now, previous),
  ];
  return {
    phase,
    conditions,
    podIPs: rec.podIPs,
    hostIPs: rec.hostIPs,
    ...(rec.startTime ? { startTime: rec.startTime } : {}),
    initContainerStatuses: rec.initContainers,
    containerStatuses: rec.containers,
    ...(rec.failed ? { reason: rec.failed.reason, message: rec.failed.message } : {}),
  };
}

const time = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function stateJson(s: ContainerState): Record<string, unknown> {
  switch (s.kind) {
    case 'waiting':
      return {
        waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) },
        running: null,
        terminated: null,
      };
    case 'running':
      return { running: { startedAt: time(s.startedAt) }, waiting: null, terminated: null };
    case 'terminated':
      return { terminated: terminatedJson(s), waiting: null, running: null };
  }
}

function terminatedJson(s: TerminatedState): Record<string, unknown> {
  return {
    exitCode: s.exitCode,
    ...(s.signal !== undefined ? { signal: s.signal } : {}),
    reason: s.reason,
    ...(s.message ? { message: s.message } : {}),
    ...(s.startedAt ? { startedAt: time(s.startedAt) } : {}),
    finishedAt: time(s.finishedAt),
  };
}

function containerJson(c: ContainerRecord): Record<string, unknown> {
  return {
    name: c.name,
    image: c.image,
    imageID: c.imageID ?? '',
    ...(c.containerID ? { containerID: c.containerID } : {}),
    state: stateJson(c.state),
    // Explicit nulls so a strategic-merge patch drops stale sub-states.
    lastState: c.lastTerminated
      ? { terminated: terminatedJson(c.lastTerminated), waiting: null, running: null }
      : { terminated: null, waiting: null, running: null },
    ready: c.ready,
    restartCount: c.restartCount,
    started: c.started ?? false,
  };
}

/**
 * IP lists replace what the API has: a strategic-merge patch would otherwise merge them by
 * "ip", and a new sandbox (after a kubelet restart) would leave the pod with two IPs.
 */
function replaceList(ips: readonly string[]): Record<string, string>[] {
  return [...ips.map((ip) => ({ ip })), { $patch: 'replace' }];
}

/** The status-subresource strategic-merge patch body for a computed status. */
export function statusPatch(s: ComputedPodStatus): Record<string, unknown> {
  return {
    status: {
      phase: s.phase,
      conditions: s.conditions.map((c) => ({
        ...c,
        lastTransitionTime: time(c.lastTransitionTime),
      })),
      ...(s.podIPs.length ? { podIP: s.podIPs[0], podIPs: replaceList(s.podIPs) } : {}),
      ...(s.hostIPs.length ? { hostIP: s.hostIPs[0], hostIPs: replaceList(s.hostIPs) } : {}),
      ...(s.startTime ? { startTime: time(s.startTime) } : {}),
      initContainerStatuses: s.initContainerStatuses.map(containerJson),
      containerStatuses: s.containerStatuses.map(containerJson),
      reason: s.reason ?? null,
      message: s.message ?? null,
    },
  };
}
