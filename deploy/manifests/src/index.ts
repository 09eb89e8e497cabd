// Public API of @ambient-ts/deploy: the ambient install rendered from values (for istioctl
// install, e2e drivers with another hub/tag) and the path of the committed default YAML.
export { renderManifests, toYaml, GENERATED_HEADER } from './render.js';
export {
  resolveValues,
  DEFAULT_VALUES,
  DEFAULT_HUB,
  VERSION,
  ISTIO_VERSION,
  InvalidValuesError,
  image,
  type Values,
  type ImageName,
  type CniValues,
  type ValueOverrides,
} from './values.js';
export type { K8sObject } from './k8s.js';
export { ambientYamlPath } from './paths.js';
