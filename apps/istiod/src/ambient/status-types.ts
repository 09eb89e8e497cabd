// What the index wants written to object status, and the problems it found
// in input objects. The status writer applies DesiredStatus; warnings are
// logged.

import type { ConditionSpec } from './authorizations.js';

export const ZTUNNEL_ACCEPTED_CONDITION = 'ZtunnelAccepted';

export interface StatusTarget {
  readonly kind: 'Service' | 'ServiceEntry' | 'AuthorizationPolicy';
  readonly namespace: string;
  readonly name: string;
}

export interface DesiredStatus {
  readonly target: StatusTarget;
  /** observedGeneration for the conditions. */
  readonly generation: number | undefined;
  /** Condition type → desired condition; undefined = istiod's condition must be absent. */
  readonly conditions: ReadonlyMap<string, ConditionSpec | undefined>;
}

export interface IndexWarning {
  /** `Kind/namespace/name` of the object, or the source id. */
  readonly object: string;
  readonly message: string;
}
