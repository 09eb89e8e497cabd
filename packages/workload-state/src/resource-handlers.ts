// The two WDS xDS types (Address, Authorization), turned into store updates.
//
// Address: every resource of a response is converted first; any rejection
// throws, which the delta-ADS client turns into a NACK (error_detail = every
// reason joined by "; ") while the store keeps its previous state.
//
// Authorization: upstream applies the valid resources and NACKs the rest; we
// do that and fail closed on the rest. A rejected resource — unreadable field,
// bad CIDR, unknown enum, or not even decodable — is replaced in the store by
// its fail-closed stand-in (deny-all / allow-nothing in the scope it names,
// mesh-wide when that cannot be read) until a good version of the key arrives
// or the key is removed: never the older, possibly wider, version. The valid
// resources and the stand-ins go into the store as one change, so a response
// is still one swap (ARCHITECTURE.md §5), and the NACK names the rejected keys.

import {
  AuthorizationRejectedError,
  authorizationFromProto,
  failClosedStandIn,
  policyKey,
  type L4Policy,
} from '@ambient-ts/policy';
import {
  AUTHORIZATION_TYPE_URL,
  unpackAny,
  type ResourceUpdate,
  type TypeSubscription,
} from '@ambient-ts/xds-types';
import { security, type workload as wl } from '@ambient-ts/xds-types';
import { serviceFromProto, workloadFromProto } from './convert.js';
import type { Service, Workload } from './model.js';
import type { FailClosedPolicy, StateChange, StateUpdater } from './store.js';

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

/** A resource as read off the wire: its message, or why it could not be decoded. */
export type WireResource<T> =
  { readonly ok: true; readonly message: T } | { readonly ok: false; readonly reason: string };

/** What one Authorization response did: the store change, and the rejected resources (the NACK). */
export interface AuthorizationApplied {
  readonly change: StateChange;
  readonly rejected: readonly { readonly name: string; readonly reason: string }[];
}

function standInFor(name: string, err: unknown): FailClosedPolicy {
  // Scope and action count only when the resource really is the key it was sent as.
  const policy =
    err instanceof AuthorizationRejectedError && err.key === name
      ? failClosedStandIn({ key: name, scope: err.scope, action: err.action, dryRun: err.dryRun })
      : failClosedStandIn({ key: name });
  return { key: name, policy, reason: messageOf(err) };
}

export function applyAuthorizationUpdate(
  updater: StateUpdater,
  update: ResourceUpdate<WireResource<security.Authorization>>,
): AuthorizationApplied {
  const policies: L4Policy[] = [];
  const failClosed: FailClosedPolicy[] = [];
  for (const r of update.added) {
    if (!r.message.ok) {
      failClosed.push(standInFor(r.name, new Error(`${r.name}: ${r.message.reason}`)));
      continue;
    }
    try {
      const p = authorizationFromProto(r.message.message);
      if (policyKey(p) !== r.name) {
        throw new Error(`${r.name}: resource name should be ${policyKey(p)}`);
      }
      policies.push(p);
    } catch (err) {
      failClosed.push(standInFor(r.name, err));
    }
  }
  const change = updater.applyPolicies({ policies, failClosed, removed: update.removed });
  return { change, rejected: failClosed.map((f) => ({ name: f.key, reason: f.reason })) };
}

/**
 * ztunnel's (wildcard) Authorization subscription: resources are decoded
 * leniently, so one that cannot be decoded is rejected on its own (and failed
 * closed) instead of taking the whole response with it.
 */
export function authorizationSubscription(
  updater: StateUpdater,
): TypeSubscription<WireResource<security.Authorization>> {
  return {
    typeUrl: AUTHORIZATION_TYPE_URL,
    wildcard: true,
    names: [],
    decode(resource) {
      try {
        return { ok: true, message: unpackAny(resource, security.AuthorizationSchema) };
      } catch (err) {
        return { ok: false, reason: messageOf(err) };
      }
    },
    apply: (update) => applyAuthorizationUpdate(updater, update),
  };
}
