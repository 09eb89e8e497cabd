// The CustomResourceDefinitions we ship (the same objects deploy/manifests/ambient.yaml
// contains), installed into a bare API server. Tests run against these rather than
// schemaless stand-ins so that what the API server admits — and refuses with 422 — is
// what a real install admits.

import { renderManifests } from '@ambient-ts/deploy';
import type { KubeApi } from '../../src/kube/kube-api.js';
import type { Condition, KubeObject } from '../../src/kube/objects.js';
import type { ResourceType } from '../../src/kube/resources.js';
import { until } from './cluster-helpers.js';

export const CRD_RESOURCE: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
  crd: false,
};

/** The CRDs of the rendered install, in apply order. */
export function shippedCrds(): KubeObject[] {
  return renderManifests()
    .filter((o) => o.kind === 'CustomResourceDefinition')
    .map((o) => structuredClone(o) as KubeObject);
}

function established(crd: KubeObject | undefined): boolean {
  const conditions = (crd?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  const isTrue = (type: string): boolean =>
    conditions.some((c) => c.type === type && c.status === 'True');
  // NamesAccepted=False (a plural or short name clash) would leave the kind unserved.
  return isTrue('NamesAccepted') && isTrue('Established');
}

interface CrdSpec {
  readonly group: string;
  readonly scope: 'Namespaced' | 'Cluster';
  readonly names: { readonly kind: string; readonly plural: string };
  readonly versions: readonly { readonly name: string; readonly served: boolean }[];
}

/** Every version a CRD serves, as the resource types a client lists. */
function servedTypes(crd: KubeObject): ResourceType[] {
  const spec = crd.spec as CrdSpec;
  return spec.versions
    .filter((v) => v.served)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      plural: spec.names.plural,
      kind: spec.names.kind,
      namespaced: spec.scope === 'Namespaced',
      crd: true,
    }));
}

/**
 * Creates every shipped CRD and waits until the API server reports each one
 * Established and lists every version it serves, so the first create of a
 * custom resource meets its schema and istiod's informers find their kinds.
 */
export async function installShippedCrds(api: KubeApi): Promise<readonly KubeObject[]> {
  const crds = shippedCrds();
  if (crds.length === 0) {
    throw new Error(
      '@ambient-ts/deploy rendered no CustomResourceDefinition: check renderManifests',
    );
  }
  for (const crd of crds) await api.create(CRD_RESOURCE, crd);
  for (const crd of crds) {
    const name = crd.metadata.name ?? '';
    await until(`CRD ${name} Established`, async () =>
      established(await api.get(CRD_RESOURCE, name)),
    );
    for (const type of servedTypes(crd)) {
      await until(
        `${type.plural}.${type.group}/${type.version} served`,
        async () => (await api.list(type)) && true,
      );
    }
  }
  return crds;
}
