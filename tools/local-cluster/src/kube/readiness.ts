// Pure readiness predicates over API objects, shared by the supervisor and the
// e2e drivers. They take the structural shape of the fields they read, so
// client-node's model instances and plain JSON objects both fit.

interface Condition {
  readonly type: string;
  readonly status: string;
}
interface Meta {
  readonly name?: string;
  readonly namespace?: string;
  readonly generation?: number;
}
export interface NodeLike {
  readonly metadata?: Meta;
  readonly status?: { readonly conditions?: readonly Condition[] };
}
export interface PodLike {
  readonly metadata?: Meta;
  readonly spec?: { readonly nodeName?: string };
  readonly status?: {
    readonly phase?: string;
    readonly conditions?: readonly Condition[];
    readonly containerStatuses?: readonly {
      readonly state?: {
        readonly waiting?: { readonly reason?: string };
        readonly terminated?: { readonly reason?: string };
      };
    }[];
  };
}
export interface DeploymentLike {
  readonly metadata?: Meta;
  readonly spec?: { readonly replicas?: number };
  readonly status?: {
    readonly observedGeneration?: number;
    /** All pods of the Deployment, old ReplicaSets included. */
    readonly replicas?: number;
    readonly availableReplicas?: number;
    readonly updatedReplicas?: number;
    readonly conditions?: readonly Condition[];
  };
}
export interface DaemonSetLike {
  readonly metadata?: Meta;
  readonly status?: {
    readonly observedGeneration?: number;
    readonly desiredNumberScheduled: number;
    readonly numberReady: number;
    readonly updatedNumberScheduled?: number;
  };
}

export function isNodeReady(node: NodeLike): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function isPodReady(pod: PodLike): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Available per the Deployment controller, it has seen the latest spec, and the rollout is
 * complete as `kubectl rollout status` judges it: no pod of an old ReplicaSet is left (while a
 * new pod is not Ready the old one keeps "available" and "updated" at the wanted count).
 */
export function isDeploymentAvailable(dep: DeploymentLike): boolean {
  const observed = dep.status?.observedGeneration ?? 0;
  const generation = dep.metadata?.generation ?? 0;
  const wanted = dep.spec?.replicas ?? 1;
  const updated = dep.status?.updatedReplicas ?? 0;
  return (
    observed >= generation &&
    (dep.status?.availableReplicas ?? 0) >= wanted &&
    updated >= wanted &&
    (dep.status?.replicas ?? updated) <= updated &&
    (dep.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false)
  );
}

export function isDaemonSetReady(ds: DaemonSetLike, expectedNodes?: number): boolean {
  const s = ds.status;
  if (!s) return false;
  const desired = s.desiredNumberScheduled;
  if (expectedNodes !== undefined && desired < expectedNodes) return false;
  return (
    (s.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0) &&
    desired > 0 &&
    s.numberReady >= desired &&
    (s.updatedNumberScheduled ?? 0) >= desired
  );
}

/** One line per pod that is not Ready, for timeout messages. */
export function describeUnreadyPods(pods: readonly PodLike[]): string {
  return pods
    .filter((p) => !isPodReady(p))
    .map((p) => {
      const waiting = (p.status?.containerStatuses ?? [])
        .map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason)
        .filter(Boolean)
        .join(',');
      return `${p.metadata?.namespace}/${p.metadata?.name} phase=${p.status?.phase ?? '?'} node=${p.spec?.nodeName ?? '-'}${waiting ? ` (${waiting})` : ''}`;
    })
    .join('\n');
}
