// The two WDS xDS types (Address, Authorization), turned into store updates. Every
// resource of a response is converted first; any rejection throws, which the
// delta-ADS client turns into a NACK (error_detail = every reason joined by
// "; ") while the store keeps its previous state. A response is applied whole
// or not at all (ARCHITECTURE.md §5); upstream applies the valid part.

import { authorizationFromProto, type L4Policy } from '@ambient-ts/policy';
import type { ResourceUpdate } from '@ambient-ts/xds-types';
import type { security, workload as wl } from '@ambient-ts/xds-types';
import { serviceFromProto, workloadFromProto } from './convert.js';
import type { Service, Workload } from './model.js';
import type { StateChange, StateUpdater } from './store.js';

export class XdsRejection extends Error {
  override readonly name = 'XdsRejection';
  constructor(readonly reasons: readonly string[]) {
    super(reasons.join('; '));
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function applyAddressUpdate(
  updater: StateUpdater,
  update: ResourceUpdate<wl.Address>,
): StateChange {
  const workloads: Workload[] = [];
  const services: Service[] = [];
  const reasons: string[] = [];
  for (const r of update.added) {
    const t = r.message.type;
    try {
      if (t.case === 'workload') workloads.push(workloadFromProto(t.value, r.name));
      else if (t.case === 'service') services.push(serviceFromProto(t.value, r.name));
      else reasons.push(`${r.name}: Address has neither a workload nor a service`);
    } catch (err) {
      reasons.push(messageOf(err));
    }
  }
  if (reasons.length > 0) throw new XdsRejection(reasons);
  return updater.applyAddresses({ workloads, services, removed: update.removed });
}

export function applyAuthorizationUpdate(
  updater: StateUpdater,
  update: ResourceUpdate<security.Authorization>,
): StateChange {
  const policies: L4Policy[] = [];
  const reasons: string[] = [];
  for (const r of update.added) {
    try {
      const p = authorizationFromProto(r.message);
      const key = `${p.namespace}/${p.name}`;
      if (key !== r.name) throw new Error(`${r.name}: resource name should be ${key}`);
      policies.push(p);
    } catch (err) {
      reasons.push(messageOf(err));
    }
  }
  if (reasons.length > 0) throw new XdsRejection(reasons);
  return updater.applyPolicies({ policies, removed: update.removed });
}
