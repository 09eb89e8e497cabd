// Renders the whole ambient install from values, in apply order, and writes it as plain YAML.
import { stringify } from 'yaml';
import { istioCni } from './components/istio-cni.js';
import { istiod } from './components/istiod.js';
import { namespace } from './components/namespace.js';
import { ztunnel } from './components/ztunnel.js';
import { gatewayApiCrds } from './crds/gateway-api-crds.js';
import { istioCrds } from './crds/istio-crds.js';
import type { K8sObject } from './k8s.js';
import { resolveValues, type ValueOverrides } from './values.js';

export function renderManifests(overrides: ValueOverrides = {}): K8sObject[] {
  const v = resolveValues(overrides);
  return [
    namespace(v),
    ...istioCrds(),
    ...gatewayApiCrds(),
    ...istiod(v),
    ...istioCni(v),
    ...ztunnel(v),
  ];
}

export const GENERATED_HEADER =
  '# Generated from deploy/manifests/src (values.ts) by `npm run generate -w @ambient-ts/deploy`.\n' +
  '# Do not edit: change the source and regenerate (a test fails when this file is stale).\n';

export function toYaml(objects: readonly K8sObject[]): string {
  return (
    GENERATED_HEADER +
    objects
      .map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`)
      .join('')
  );
}
