// Gateway API v1 (standard channel) CRDs the mesh uses: GatewayClass, Gateway, HTTPRoute.
// Names, versions, short names, scope, categories, status subresource and the defaults the
// controllers rely on are the API's; the schemas are ours and permissive.
import type { K8sObject } from '../k8s.js';
import { crd } from './crd.js';
import { arrayOf, int, open, str, stringMap, strings, type Schema } from './schema.js';

const GROUP = 'gateway.networking.k8s.io';
const VERSIONS = ['v1', 'v1beta1'];
// Groups under *.k8s.io need the API-approval annotation or the apiserver refuses the CRD.
const ANNOTATIONS = {
  'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/3328',
  'gateway.networking.k8s.io/bundle-version': 'v1.2.1',
  'gateway.networking.k8s.io/channel': 'standard',
};

const conditions = (): Schema =>
  arrayOf(
    open({
      type: str(),
      status: str(),
      reason: str(),
      message: str(),
      observedGeneration: int(),
      lastTransitionTime: str(),
    }),
  );

const parentReference = (): Schema =>
  open(
    {
      group: str({ default: GROUP }),
      kind: str({ default: 'Gateway' }),
      namespace: str(),
      name: str(),
      sectionName: str(),
      port: int(),
    },
    { required: ['name'] },
  );

const gatewayClass = crd({
  group: GROUP,
  kind: 'GatewayClass',
  plural: 'gatewayclasses',
  singular: 'gatewayclass',
  shortNames: ['gc'],
  categories: ['gateway-api'],
  scope: 'Cluster',
  versions: VERSIONS,
  annotations: ANNOTATIONS,
  printerColumns: [
    { name: 'Controller', type: 'string', jsonPath: '.spec.controllerName' },
    {
      name: 'Accepted',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Accepted")].status',
    },
    { name: 'Description', type: 'string', jsonPath: '.spec.description' },
  ],
  spec: open(
    { controllerName: str(), parametersRef: open(), description: str() },
    { required: ['controllerName'] },
  ),
  status: open({ conditions: conditions() }),
});

const listener = (): Schema =>
  open(
    {
      name: str(),
      hostname: str(),
      port: int({ minimum: 1, maximum: 65535 }),
      protocol: str(),
      tls: open(),
      allowedRoutes: open(
        {
          namespaces: open(
            { from: str({ default: 'Same', enum: ['All', 'Selector', 'Same'] }), selector: open() },
            { default: { from: 'Same' } },
          ),
          kinds: arrayOf(open({ group: str(), kind: str() })),
        },
        { default: { namespaces: { from: 'Same' } } },
      ),
    },
    { required: ['name', 'port', 'protocol'] },
  );

const gateway = crd({
  group: GROUP,
  kind: 'Gateway',
  plural: 'gateways',
  singular: 'gateway',
  shortNames: ['gtw'],
  categories: ['gateway-api'],
  scope: 'Namespaced',
  versions: VERSIONS,
  annotations: ANNOTATIONS,
  printerColumns: [
    { name: 'Class', type: 'string', jsonPath: '.spec.gatewayClassName' },
    { name: 'Address', type: 'string', jsonPath: '.status.addresses[*].value' },
    {
      name: 'Programmed',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Programmed")].status',
    },
  ],
  spec: open(
    {
      gatewayClassName: str(),
      listeners: arrayOf(listener(), { minItems: 1, maxItems: 64 }),
      addresses: arrayOf(open({ type: str({ default: 'IPAddress' }), value: str() })),
      infrastructure: open({
        labels: stringMap(),
        annotations: stringMap(),
        parametersRef: open(),
      }),
    },
    { required: ['gatewayClassName', 'listeners'] },
  ),
  status: open({
    addresses: arrayOf(open({ type: str(), value: str() })),
    conditions: conditions(),
    listeners: arrayOf(
      open({
        name: str(),
        attachedRoutes: int(),
        supportedKinds: arrayOf(open()),
        conditions: conditions(),
      }),
    ),
  }),
});

const backendRef = (): Schema =>
  open(
    {
      group: str({ default: '' }),
      kind: str({ default: 'Service' }),
      name: str(),
      namespace: str(),
      port: int({ minimum: 1, maximum: 65535 }),
      weight: int({ default: 1, minimum: 0, maximum: 1000000 }),
      filters: arrayOf(open()),
    },
    { required: ['name'] },
  );

const httpRoute = crd({
  group: GROUP,
  kind: 'HTTPRoute',
  plural: 'httproutes',
  singular: 'httproute',
  categories: ['gateway-api'],
  scope: 'Namespaced',
  versions: VERSIONS,
  annotations: ANNOTATIONS,
  printerColumns: [{ name: 'Hostnames', type: 'string', jsonPath: '.spec.hostnames' }],
  spec: open({
    parentRefs: arrayOf(parentReference()),
    hostnames: strings(),
    rules: arrayOf(
      open({
        name: str(),
        matches: arrayOf(
          open({
            path: open(
              { type: str({ default: 'PathPrefix' }), value: str({ default: '/' }) },
              { default: { type: 'PathPrefix', value: '/' } },
            ),
            headers: arrayOf(open({ type: str({ default: 'Exact' }), name: str(), value: str() })),
            queryParams: arrayOf(
              open({ type: str({ default: 'Exact' }), name: str(), value: str() }),
            ),
            method: str(),
          }),
          { default: [{ path: { type: 'PathPrefix', value: '/' } }] },
        ),
        filters: arrayOf(open({ type: str() })),
        backendRefs: arrayOf(backendRef()),
        timeouts: open({ request: str(), backendRequest: str() }),
      }),
      { default: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }] },
    ),
  }),
  status: open({
    parents: arrayOf(
      open({ parentRef: parentReference(), controllerName: str(), conditions: conditions() }),
    ),
  }),
});

export function gatewayApiCrds(): K8sObject[] {
  return [gatewayClass, gateway, httpRoute];
}
