// The parts of a Kubernetes object both policy kinds share: apiVersion/kind,
// metadata, and the workload selector.

import { fieldPath, type FieldReader, type JsonObject } from './field-reader.js';
import type { WorkloadSelector } from './model.js';

export const SECURITY_API_VERSIONS = ['security.istio.io/v1', 'security.istio.io/v1beta1'];
const TOP_LEVEL_KEYS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly creationTimestamp?: string;
  readonly generation?: number;
}

/**
 * Reads apiVersion/kind (optional: list responses may omit them, but when
 * present they must name this kind), metadata, and returns spec (`{}` when
 * absent). Undefined when the object is unusable.
 */
export function readObjectEnvelope(
  reader: FieldReader,
  value: unknown,
  kind: string,
): { meta: ObjectMeta; spec: JsonObject } | undefined {
  const obj = reader.object(value, '(object)');
  if (!obj) return undefined;
  reader.knownKeys(obj, '', TOP_LEVEL_KEYS);
  const apiVersion = reader.optionalString(obj, 'apiVersion', '');
  if (apiVersion !== undefined && !SECURITY_API_VERSIONS.includes(apiVersion)) {
    reader.report(
      'apiVersion',
      `"${apiVersion}" is not one of ${SECURITY_API_VERSIONS.join(', ')}`,
    );
  }
  const objKind = reader.optionalString(obj, 'kind', '');
  if (objKind !== undefined && objKind !== kind) {
    reader.report('kind', `"${objKind}" is not ${kind}`);
  }
  const metadata = obj.metadata === undefined ? undefined : reader.object(obj.metadata, 'metadata');
  if (obj.metadata === undefined) reader.report('metadata', 'required field is missing');
  const spec = reader.optionalObject(obj, 'spec', '') ?? {};
  if (!metadata) return undefined;
  const name = reader.requiredString(metadata, 'name', 'metadata');
  const namespace = reader.requiredString(metadata, 'namespace', 'metadata');
  const annotations = reader.stringMap(metadata, 'annotations', 'metadata') ?? {};
  const creationTimestamp = reader.optionalString(metadata, 'creationTimestamp', 'metadata');
  let generation: number | undefined;
  if (metadata.generation !== undefined && metadata.generation !== null) {
    if (typeof metadata.generation === 'number' && Number.isInteger(metadata.generation)) {
      generation = metadata.generation;
    } else reader.report('metadata.generation', 'expected an integer');
  }
  if (name === undefined || namespace === undefined) return undefined;
  return {
    meta: {
      name,
      namespace,
      annotations,
      ...(creationTimestamp !== undefined && { creationTimestamp }),
      ...(generation !== undefined && { generation }),
    },
    spec,
  };
}

/** spec.selector: matchLabels with non-empty keys and no wildcards. */
export function readSelector(
  reader: FieldReader,
  spec: JsonObject,
  warnings: string[],
): WorkloadSelector | undefined {
  const selector = reader.optionalObject(spec, 'selector', 'spec');
  if (!selector) return undefined;
  reader.knownKeys(selector, 'spec.selector', ['matchLabels']);
  const matchLabels = reader.stringMap(selector, 'matchLabels', 'spec.selector') ?? {};
  for (const [k, v] of Object.entries(matchLabels)) {
    const at = fieldPath('spec.selector.matchLabels', k);
    if (k === '') reader.report(at, `empty key is not supported in selector: "${k}=${v}"`);
    if (k.includes('*') || v.includes('*')) {
      reader.report(at, `wildcard is not supported in selector: "${k}=${v}"`);
    }
  }
  if (Object.keys(matchLabels).length === 0) {
    warnings.push('workload selector specified without labels');
  }
  return { matchLabels };
}
