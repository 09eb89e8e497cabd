// Writes the conditions the index wants onto Services, ServiceEntries and
// AuthorizationPolicies through their status subresource — only when the
// object's current conditions differ, keeping lastTransitionTime when a
// condition's status did not change, and leaving other writers' conditions
// alone.

import type { ConditionSpec } from '../ambient/authorizations.js';
import type { DesiredStatus, StatusTarget } from '../ambient/status-types.js';
import type { KubeApi } from '../kube/kube-api.js';
import { KubeApiError } from '../kube/kube-api.js';
import { asArray, asRecord, type Condition, type KubeObject } from '../kube/objects.js';
import { RESOURCES, type ResourceType } from '../kube/resources.js';
import type { Logger } from '../runtime/logger.js';
import { WorkQueue } from '../runtime/work-queue.js';

export const STATUS_FIELD_MANAGER = 'istiod';

/** The conditions an object should carry: ours replaced or removed, others kept in place. */
export function mergeConditions(
  current: readonly Condition[],
  desired: DesiredStatus,
  now: string,
): Condition[] {
  const out: Condition[] = [];
  const handled = new Set<string>();
  for (const c of current) {
    if (!desired.conditions.has(c.type)) {
      out.push(c);
      continue;
    }
    handled.add(c.type);
    const want = desired.conditions.get(c.type);
    if (want) out.push(toCondition(want, c, desired.generation, now));
  }
  for (const [type, want] of desired.conditions) {
    if (handled.has(type) || !want) continue;
    out.push(toCondition(want, undefined, desired.generation, now));
  }
  return out;
}

function toCondition(
  want: ConditionSpec,
  previous: Condition | undefined,
  generation: number | undefined,
  now: string,
): Condition {
  const unchangedStatus = previous?.status === want.status && previous.lastTransitionTime;
  return {
    type: want.type,
    status: want.status,
    reason: want.reason,
    message: want.message,
    lastTransitionTime: unchangedStatus ? (previous.lastTransitionTime ?? now) : now,
    ...(generation !== undefined && { observedGeneration: generation }),
  };
}

function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  return (
    a.length === b.length &&
    a.every((c, i) => {
      const d = b[i];
      return (
        d !== undefined &&
        c.type === d.type &&
        c.status === d.status &&
        (c.reason ?? '') === (d.reason ?? '') &&
        (c.message ?? '') === (d.message ?? '') &&
        c.observedGeneration === d.observedGeneration
      );
    })
  );
}

export function currentConditions(obj: KubeObject): Condition[] {
  return asArray(asRecord(obj.status)?.conditions).filter(
    (c): c is Condition => typeof asRecord(c)?.type === 'string',
  );
}

export interface StatusWriterOptions {
  readonly api: KubeApi;
  /** Where the current objects (and their conditions) are read from: the informer caches. */
  readonly stores: Readonly<
    Record<StatusTarget['kind'], { get(key: string): KubeObject | undefined }>
  >;
  readonly logger: Logger;
  readonly now?: () => Date;
}

const TYPES: Record<StatusTarget['kind'], ResourceType> = {
  Service: RESOURCES.services,
  ServiceEntry: RESOURCES.serviceEntries,
  AuthorizationPolicy: RESOURCES.authorizationPolicies,
};

export class StatusWriter {
  private readonly desired = new Map<string, DesiredStatus>();
  private readonly queue: WorkQueue;

  constructor(private readonly options: StatusWriterOptions) {
    this.queue = new WorkQueue({
      name: 'status',
      logger: options.logger,
      concurrency: 4,
      process: (key) => this.write(key),
    });
  }

  update(statuses: readonly DesiredStatus[]): void {
    for (const s of statuses) {
      const key = `${s.target.kind}/${s.target.namespace}/${s.target.name}`;
      this.desired.set(key, s);
      this.queue.add(key);
    }
  }

  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  close(): void {
    this.queue.close();
  }

  private async write(key: string): Promise<void> {
    const desired = this.desired.get(key);
    if (!desired) return;
    const { kind, namespace, name } = desired.target;
    const obj = this.options.stores[kind].get(`${namespace}/${name}`);
    if (!obj) {
      this.desired.delete(key);
      return;
    }
    const current = currentConditions(obj);
    const now = (this.options.now ?? (() => new Date()))()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const merged = mergeConditions(current, desired, now);
    if (sameConditions(current, merged)) return;
    try {
      await this.options.api.patch(
        TYPES[kind],
        name,
        namespace,
        { status: { conditions: merged } },
        {
          patchType: 'merge',
          subresource: 'status',
        },
      );
      this.options.logger.debug(
        { object: key, conditions: merged.map((c) => c.type) },
        'wrote status',
      );
    } catch (error) {
      // Deleted meanwhile: nothing to write.
      if (error instanceof KubeApiError && error.notFound) return;
      throw error;
    }
  }
}
