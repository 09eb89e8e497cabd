// The WaypointAccepted condition of an AuthorizationPolicy with targetRefs
// (policies.go and model/service.go flattenConditions upstream): one binding
// per targetRef, flattened into a single condition.

import { asArray, asRecord, asString, type KubeObject } from '../kube/objects.js';
import type { ConditionSpec, PolicyTranslation } from './authorizations.js';
import type { BuildContext } from './build-context.js';
import { bindService } from './waypoints.js';

export const WAYPOINT_ACCEPTED = 'WaypointAccepted';
export const MESH_CONTROLLER_NAME = 'istio.io/mesh-controller';

export interface TargetRefView {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** targetRef + targetRefs as written, read leniently (the policy may be invalid). */
export function rawTargetRefs(obj: KubeObject): TargetRefView[] {
  const spec = asRecord(obj.spec) ?? {};
  const refs = [...(spec.targetRef ? [spec.targetRef] : []), ...asArray(spec.targetRefs)];
  const out: TargetRefView[] = [];
  for (const raw of refs) {
    const r = asRecord(raw);
    const kind = asString(r?.kind);
    const name = asString(r?.name);
    if (!kind || !name) continue;
    const namespace = asString(r?.namespace);
    out.push({ group: asString(r?.group) ?? '', kind, name, ...(namespace && { namespace }) });
  }
  return out;
}

interface BindingStatus {
  readonly bound: boolean;
  readonly reason: string;
  readonly message: string;
  readonly ancestor: string;
}

export function waypointAcceptedCondition(
  obj: KubeObject,
  translation: PolicyTranslation,
  ctx: BuildContext,
): ConditionSpec | undefined {
  const refs = rawTargetRefs(obj);
  if (refs.length === 0) return undefined;
  if (translation.error) {
    return {
      type: WAYPOINT_ACCEPTED,
      status: 'False',
      reason: 'Invalid',
      message: `${translation.error.message}; enforced fail-closed at the waypoint until fixed`,
    };
  }
  const policyNamespace = obj.metadata.namespace ?? '';
  const root = ctx.config.rootNamespace;
  const bindings = refs.map((ref): BindingStatus => {
    const namespace = ref.namespace ?? policyNamespace;
    const key = `${namespace}/${ref.name}`;
    const group = ref.group === '' ? 'core' : ref.group;
    const ancestor = `${ref.kind}.${group}:${key}`;
    let bound = false;
    let reason = 'unknown';
    let message = 'not bound';
    switch (ref.kind) {
      case 'GatewayClass': {
        if (namespace !== root) {
          reason = 'Invalid';
          message = `AuthorizationPolicy must be in the root namespace \`${root}\` when referencing a GatewayClass`;
          break;
        }
        const cls = ctx.gatewayClass(ref.name);
        if (!cls) {
          reason = 'TargetNotFound';
        } else if (asRecord(cls.spec)?.controllerName !== MESH_CONTROLLER_NAME) {
          reason = 'Invalid';
          message = `GatewayClass must use controller name \`${MESH_CONTROLLER_NAME}\` for waypoints`;
        } else {
          bound = true;
          reason = 'Accepted';
          message = `bound to ${ref.name}`;
        }
        break;
      }
      case 'Gateway': {
        const w = ctx.waypoint(key);
        if (w) {
          bound = true;
          reason = 'Accepted';
          message = `bound to ${w.key}`;
        } else {
          reason = 'TargetNotFound';
        }
        break;
      }
      case 'Service':
      case 'ServiceEntry': {
        const target = ref.kind === 'Service' ? ctx.service(key) : ctx.serviceEntry(key);
        if (!target) {
          reason = 'TargetNotFound';
          message = `${ref.kind} ${key} was not found`;
          break;
        }
        const w = bindService(target.metadata, ctx).waypoint;
        if (w) {
          bound = true;
          reason = 'Accepted';
          message = `bound to ${w.key}`;
        } else {
          reason = 'AncestorNotBound';
          message = `${ref.kind} ${key} is not bound to a waypoint`;
        }
        break;
      }
    }
    return { bound, reason, message, ancestor };
  });
  const [only] = bindings;
  if (bindings.length === 1 && only) {
    return {
      type: WAYPOINT_ACCEPTED,
      status: only.bound ? 'True' : 'False',
      reason: only.reason,
      message: only.message,
    };
  }
  const anyBound = bindings.some((b) => b.bound);
  const unbound = bindings.filter((b) => !b.bound).map((b) => b.ancestor);
  let reason = 'Invalid';
  if (anyBound) reason = unbound.length > 0 ? 'PartiallyInvalid' : 'Accepted';
  return {
    type: WAYPOINT_ACCEPTED,
    status: anyBound ? 'True' : 'False',
    reason,
    message: unbound.length > 0 ? `Invalid targetRefs: ${unbound.join(', ')}` : '',
  };
}
