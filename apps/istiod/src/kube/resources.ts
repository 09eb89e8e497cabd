// Every API resource istiod reads or writes, by group/version/plural. The
// informer layer and the HTTP client address resources through this table,
// so a path is spelled in one place.

export interface ResourceType {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  /** Lower-case plural, as in the URL. */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** A CustomResourceDefinition: may be absent from the cluster (then we wait for it). */
  readonly crd: boolean;
}

function res(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced = true,
  crd = false,
): ResourceType {
  return { group, version, plural, kind, namespaced, crd };
}

const GATEWAY_API = 'gateway.networking.k8s.io';
const ISTIO_SECURITY = 'security.istio.io';
const ISTIO_NETWORKING = 'networking.istio.io';

export const RESOURCES = {
  namespaces: res('', 'v1', 'namespaces', 'Namespace', false),
  pods: res('', 'v1', 'pods', 'Pod'),
  services: res('', 'v1', 'services', 'Service'),
  endpointSlices: res('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice'),
  nodes: res('', 'v1', 'nodes', 'Node', false),
  serviceAccounts: res('', 'v1', 'serviceaccounts', 'ServiceAccount'),
  configMaps: res('', 'v1', 'configmaps', 'ConfigMap'),
  secrets: res('', 'v1', 'secrets', 'Secret'),
  deployments: res('apps', 'v1', 'deployments', 'Deployment'),
  gateways: res(GATEWAY_API, 'v1', 'gateways', 'Gateway', true, true),
  gatewayClasses: res(GATEWAY_API, 'v1', 'gatewayclasses', 'GatewayClass', false, true),
  httpRoutes: res(GATEWAY_API, 'v1', 'httproutes', 'HTTPRoute', true, true),
  authorizationPolicies: res(
    ISTIO_SECURITY,
    'v1',
    'authorizationpolicies',
    'AuthorizationPolicy',
    true,
    true,
  ),
  peerAuthentications: res(
    ISTIO_SECURITY,
    'v1',
    'peerauthentications',
    'PeerAuthentication',
    true,
    true,
  ),
  serviceEntries: res(ISTIO_NETWORKING, 'v1', 'serviceentries', 'ServiceEntry', true, true),
  workloadEntries: res(ISTIO_NETWORKING, 'v1', 'workloadentries', 'WorkloadEntry', true, true),
  virtualServices: res(ISTIO_NETWORKING, 'v1', 'virtualservices', 'VirtualService', true, true),
  destinationRules: res(ISTIO_NETWORKING, 'v1', 'destinationrules', 'DestinationRule', true, true),
  tokenReviews: res('authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', false),
} as const satisfies Record<string, ResourceType>;

export type ResourceName = keyof typeof RESOURCES;

/** `apiVersion` as written in objects: `v1` or `group/version`. */
export function apiVersionOf(type: ResourceType): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** The collection path, e.g. `/api/v1/namespaces/ns/pods` or `/apis/g/v/pods` (all namespaces). */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const base = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  if (type.namespaced && namespace !== undefined) {
    return `${base}/namespaces/${encodeURIComponent(namespace)}/${type.plural}`;
  }
  return `${base}/${type.plural}`;
}

/** The path of one object (plus an optional subresource such as `status`). */
export function objectPath(
  type: ResourceType,
  name: string,
  namespace?: string,
  subresource?: string,
): string {
  const path = `${collectionPath(type, type.namespaced ? (namespace ?? '') : undefined)}/${encodeURIComponent(name)}`;
  return subresource ? `${path}/${subresource}` : path;
}

/** `<plural>.<group>`: the CRD name a missing resource waits for. */
export function crdName(type: ResourceType): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}
