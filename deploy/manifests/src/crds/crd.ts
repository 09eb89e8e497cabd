// A CustomResourceDefinition from its names, versions, schema and printer columns.
import type { K8sObject } from '../k8s.js';
import { open, type Schema } from './schema.js';

export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'date' | 'integer';
  readonly jsonPath: string;
  readonly description?: string;
}

export interface CrdDefinition {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly listKind?: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  /** The first entry is the storage version; all are served with the same schema. */
  readonly versions: readonly string[];
  /** The storage version when it is not the first. */
  readonly storageVersion?: string;
  readonly spec: Schema;
  readonly status?: Schema;
  readonly printerColumns?: readonly PrinterColumn[];
  readonly annotations?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
}

const AGE: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
};

export function crd(d: CrdDefinition): K8sObject {
  const storage = d.storageVersion ?? d.versions[0];
  const schema: Schema = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: d.spec,
      status: d.status ?? open(),
    },
    ...(d.spec.required && d.spec.required.length > 0 ? { required: ['spec'] } : {}),
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${d.plural}.${d.group}`,
      ...(d.annotations ? { annotations: { ...d.annotations } } : {}),
      ...(d.labels ? { labels: { ...d.labels } } : {}),
    },
    spec: {
      group: d.group,
      names: {
        kind: d.kind,
        listKind: d.listKind ?? `${d.kind}List`,
        plural: d.plural,
        singular: d.singular,
        ...(d.shortNames && d.shortNames.length > 0 ? { shortNames: [...d.shortNames] } : {}),
        ...(d.categories && d.categories.length > 0 ? { categories: [...d.categories] } : {}),
      },
      scope: d.scope,
      versions: d.versions.map((name) => ({
        name,
        served: true,
        storage: name === storage,
        schema: { openAPIV3Schema: schema },
        subresources: { status: {} },
        additionalPrinterColumns: [...(d.printerColumns ?? []), AGE],
      })),
    },
  };
}
