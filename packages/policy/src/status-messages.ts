// The exact status texts istiod writes on an AuthorizationPolicy's
// ZtunnelAccepted condition (pilot/pkg/serviceregistry/ambient/authorization.go,
// pilot/pkg/model/service.go).

export const ZTUNNEL_ACCEPTED = 'ZtunnelAccepted';
export const REASON_ACCEPTED = 'Accepted';
export const REASON_UNSUPPORTED_VALUE = 'UnsupportedValue';
/** Ours: upstream admission keeps invalid objects out; we may still see them. */
export const REASON_INVALID = 'Invalid';
export const MESSAGE_ATTACHED = 'attached to ztunnel';

export const HTTP_DENY_NO_EFFECT =
  'After omitting unsupported HTTP attributes, this DENY policy has no enforceable rules at ztunnel ' +
  'and will have no effect. Deploy a waypoint proxy and use a targetRef to enforce this policy.';
export const HTTP_DENY_MIXED =
  'DENY policy with HTTP attributes is enforced without the HTTP rules. ' +
  'This will be more restrictive than requested.';
export const HTTP_ALLOW_RULE =
  'Within an ALLOW policy, rules matching HTTP attributes are omitted. ' +
  'This will be more restrictive than requested.';

export function httpAttributesMessage(found: readonly string[], boilerplate: string): string {
  return (
    `ztunnel does not support HTTP attributes (found: ${found.join(', ')}). ` +
    `In ambient mode you must use a waypoint proxy to enforce HTTP rules. ${boilerplate}`
  );
}

export function unsupportedActionMessage(action: string): string {
  return `ztunnel does not support the ${action} action`;
}

export function dryRunNotEnabledMessage(namespace: string, name: string): string {
  return (
    `found policy "${namespace}/${name}" using dry-run annotation, ` +
    "but support for ambient dry-run authorizationPolicies isn't enabled"
  );
}
