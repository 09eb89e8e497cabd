// Structural OpenAPI v3 schemas (apiextensions.k8s.io/v1) written for our CRDs: the fields
// the mesh reads are typed; everything else is kept (x-kubernetes-preserve-unknown-fields),
// so upstream YAML always applies.

export interface Schema {
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'boolean' | 'number';
  readonly description?: string;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema;
  readonly additionalProperties?: Schema;
  readonly required?: readonly string[];
  readonly enum?: readonly (string | number)[];
  readonly format?: string;
  readonly default?: unknown;
  readonly maxItems?: number;
  readonly minItems?: number;
  readonly maxLength?: number;
  readonly minLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
  readonly nullable?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
}

export const str = (extra: Omit<Schema, 'type'> = {}): Schema => ({ type: 'string', ...extra });
export const int = (extra: Omit<Schema, 'type'> = {}): Schema => ({ type: 'integer', ...extra });
export const bool = (): Schema => ({ type: 'boolean' });
export const strings = (): Schema => ({ type: 'array', items: str() });
export const stringMap = (): Schema => ({ type: 'object', additionalProperties: str() });
export const arrayOf = (items: Schema, extra: Omit<Schema, 'type' | 'items'> = {}): Schema => ({
  type: 'array',
  items,
  ...extra,
});

/** An object with typed known fields that keeps any others. */
export const open = (
  properties: Record<string, Schema> = {},
  extra: Omit<Schema, 'type' | 'properties'> = {},
): Schema => ({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  ...(Object.keys(properties).length > 0 ? { properties } : {}),
  ...extra,
});

/** An object with exactly these fields (unknown ones are pruned by the apiserver). */
export const closed = (
  properties: Record<string, Schema>,
  extra: Omit<Schema, 'type' | 'properties'> = {},
): Schema => ({
  type: 'object',
  properties,
  ...extra,
});

/** Istio's string match: one of exact / prefix / regex. */
export const stringMatch = (): Schema => closed({ exact: str(), prefix: str(), regex: str() });

/** Istio's workload selector. */
export const workloadSelector = (): Schema => closed({ matchLabels: stringMap() });

/** A policy target reference (targetRef / targetRefs). */
export const policyTargetReference = (): Schema =>
  closed(
    { group: str(), kind: str(), name: str(), namespace: str() },
    { required: ['kind', 'name'] },
  );
