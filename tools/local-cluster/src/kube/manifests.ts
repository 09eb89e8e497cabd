// Multi-document YAML → Kubernetes objects, the way kubectl reads a file:
// empty documents are skipped and `kind: List` is flattened.
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseManifests(text: string, source = 'manifest'): KubernetesObject[] {
  const out: KubernetesObject[] = [];
  for (const [i, doc] of parseAllDocuments(text).entries()) {
    if (doc.errors.length > 0) {
      throw new ManifestError(
        `${source}: YAML document ${i + 1}: ${doc.errors[0]?.message ?? 'invalid'}`,
      );
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    out.push(...flatten(value, `${source} document ${i + 1}`));
  }
  return out;
}

function flatten(value: unknown, where: string): KubernetesObject[] {
  if (!isObject(value)) throw new ManifestError(`${where}: not a mapping`);
  if (value['kind'] === 'List' && Array.isArray(value['items'])) {
    return value['items'].flatMap((item, j) => flatten(item, `${where} item ${j + 1}`));
  }
  if (typeof value['apiVersion'] !== 'string' || typeof value['kind'] !== 'string') {
    throw new ManifestError(`${where}: missing apiVersion or kind`);
  }
  const meta = value['metadata'];
  if (!isObject(meta) || typeof meta['name'] !== 'string') {
    throw new ManifestError(`${where}: ${value['kind']} without metadata.name`);
  }
  return [value];
}

/** "Deployment default/productpage-v1" for messages. */
export function describeObject(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  return `${obj.kind ?? '?'} ${ns ? `${ns}/` : ''}${obj.metadata?.name ?? '?'}`;
}
