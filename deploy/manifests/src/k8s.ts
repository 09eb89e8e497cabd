// Small helpers for the objects the install is made of.
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly [k: string]: unknown;
  };
  readonly [k: string]: unknown;
}

/** Labels every object of the install carries, as upstream's charts set them. */
export function installLabels(
  component: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': 'istio',
    'app.kubernetes.io/managed-by': 'ambient-ts',
    'install.operator.istio.io/owning-resource': 'unknown',
    'operator.istio.io/component': component,
    ...extra,
  };
}

export function fieldEnv(
  name: string,
  fieldPath: string,
): { name: string; valueFrom: { fieldRef: { apiVersion: string; fieldPath: string } } } {
  return { name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } };
}

export const TOLERATE_EVERYTHING = [
  { effect: 'NoSchedule', operator: 'Exists' },
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { effect: 'NoExecute', operator: 'Exists' },
];

/**
 * Plain-object view of a @kubernetes/client-node model (they are classes, the manifests are
 * data): the field names and types are checked, no instance is pretended.
 */
export type Plain<T> = T extends Date
  ? Date
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;
