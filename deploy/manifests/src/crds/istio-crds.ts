// The Istio CRDs the ambient mesh reads: security.istio.io AuthorizationPolicy and
// PeerAuthentication; networking.istio.io VirtualService, DestinationRule, ServiceEntry and
// WorkloadEntry. Names, versions (storage as upstream), short names, categories, scope,
// printer columns and the status subresource are upstream's; the schemas are ours.
import type { K8sObject } from '../k8s.js';
import { crd } from './crd.js';
import {
  arrayOf,
  bool,
  closed,
  int,
  open,
  policyTargetReference,
  str,
  stringMap,
  stringMatch,
  strings,
  workloadSelector,
  type Schema,
} from './schema.js';

const ISTIO_CRD_LABELS = {
  app: 'istio-pilot',
  chart: 'istio',
  heritage: 'Tiller',
  release: 'istio',
};
const KEEP = { 'helm.sh/resource-policy': 'keep' };
const NETWORKING_VERSIONS = ['v1', 'v1alpha3', 'v1beta1'];
const SECURITY_VERSIONS = ['v1', 'v1beta1'];

const portSelector = (): Schema => closed({ number: int({ minimum: 0, maximum: 65535 }) });
const intMap = (): Schema => ({ type: 'object', additionalProperties: int() });

const destination = (): Schema =>
  open({ host: str(), subset: str(), port: portSelector() }, { required: ['host'] });

const httpRoute = (): Schema =>
  open({
    name: str(),
    match: arrayOf(
      open({
        name: str(),
        uri: stringMatch(),
        scheme: stringMatch(),
        method: stringMatch(),
        authority: stringMatch(),
        headers: { type: 'object', additionalProperties: stringMatch() },
        port: int(),
        sourceLabels: stringMap(),
        gateways: strings(),
        queryParams: { type: 'object', additionalProperties: stringMatch() },
        ignoreUriCase: bool(),
        withoutHeaders: { type: 'object', additionalProperties: stringMatch() },
        sourceNamespace: str(),
      }),
    ),
    route: arrayOf(open({ destination: destination(), weight: int(), headers: open() })),
    redirect: open(),
    rewrite: open({ uri: str(), authority: str() }),
    timeout: str(),
    retries: open({ attempts: int(), perTryTimeout: str(), retryOn: str() }),
    fault: open({
      delay: open({
        fixedDelay: str(),
        percentage: open({ value: { type: 'number' } }),
        percent: int(),
      }),
      abort: open({ httpStatus: int(), percentage: open({ value: { type: 'number' } }) }),
    }),
    mirror: destination(),
    headers: open(),
  });

const virtualService = crd({
  group: 'networking.istio.io',
  kind: 'VirtualService',
  plural: 'virtualservices',
  singular: 'virtualservice',
  shortNames: ['vs'],
  categories: ['istio-io', 'networking-istio-io'],
  scope: 'Namespaced',
  versions: NETWORKING_VERSIONS,
  storageVersion: 'v1alpha3',
  labels: ISTIO_CRD_LABELS,
  annotations: KEEP,
  printerColumns: [
    {
      name: 'Gateways',
      type: 'string',
      jsonPath: '.spec.gateways',
      description: 'The names of gateways and sidecars that should apply these routes',
    },
    {
      name: 'Hosts',
      type: 'string',
      jsonPath: '.spec.hosts',
      description: 'The destination hosts to which traffic is being sent',
    },
  ],
  spec: open({
    hosts: strings(),
    gateways: strings(),
    http: arrayOf(httpRoute()),
    tcp: arrayOf(
      open({
        match: arrayOf(open()),
        route: arrayOf(open({ destination: destination(), weight: int() })),
      }),
    ),
    tls: arrayOf(
      open({
        match: arrayOf(open()),
        route: arrayOf(open({ destination: destination(), weight: int() })),
      }),
    ),
    exportTo: strings(),
  }),
});

const trafficPolicy = (): Schema =>
  open({
    loadBalancer: open(),
    connectionPool: open(),
    outlierDetection: open(),
    tls: open({ mode: str() }),
    portLevelSettings: arrayOf(open()),
  });

const destinationRule = crd({
  group: 'networking.istio.io',
  kind: 'DestinationRule',
  plural: 'destinationrules',
  singular: 'destinationrule',
  shortNames: ['dr'],
  categories: ['istio-io', 'networking-istio-io'],
  scope: 'Namespaced',
  versions: NETWORKING_VERSIONS,
  storageVersion: 'v1alpha3',
  labels: ISTIO_CRD_LABELS,
  annotations: KEEP,
  printerColumns: [
    {
      name: 'Host',
      type: 'string',
      jsonPath: '.spec.host',
      description: 'The name of a service from the service registry',
    },
  ],
  spec: open(
    {
      host: str(),
      trafficPolicy: trafficPolicy(),
      subsets: arrayOf(
        open(
          { name: str(), labels: stringMap(), trafficPolicy: trafficPolicy() },
          { required: ['name'] },
        ),
      ),
      exportTo: strings(),
      workloadSelector: workloadSelector(),
    },
    { required: ['host'] },
  ),
});

const serviceEntry = crd({
  group: 'networking.istio.io',
  kind: 'ServiceEntry',
  plural: 'serviceentries',
  singular: 'serviceentry',
  shortNames: ['se'],
  categories: ['istio-io', 'networking-istio-io'],
  scope: 'Namespaced',
  versions: NETWORKING_VERSIONS,
  storageVersion: 'v1alpha3',
  labels: ISTIO_CRD_LABELS,
  annotations: KEEP,
  printerColumns: [
    {
      name: 'Hosts',
      type: 'string',
      jsonPath: '.spec.hosts',
      description: 'The hosts associated with the ServiceEntry',
    },
    {
      name: 'Location',
      type: 'string',
      jsonPath: '.spec.location',
      description:
        'Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)',
    },
    {
      name: 'Resolution',
      type: 'string',
      jsonPath: '.spec.resolution',
      description: 'Service resolution mode for the hosts (NONE, STATIC, or DNS)',
    },
  ],
  spec: open(
    {
      hosts: strings(),
      addresses: strings(),
      ports: arrayOf(
        open(
          { number: int(), protocol: str(), name: str(), targetPort: int() },
          { required: ['number', 'name'] },
        ),
      ),
      location: str({ enum: ['MESH_EXTERNAL', 'MESH_INTERNAL'] }),
      resolution: str({ enum: ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'] }),
      endpoints: arrayOf(
        open({
          address: str(),
          ports: intMap(),
          labels: stringMap(),
          network: str(),
          locality: str(),
          weight: int(),
          serviceAccount: str(),
        }),
      ),
      workloadSelector: workloadSelector(),
      exportTo: strings(),
      subjectAltNames: strings(),
    },
    { required: ['hosts'] },
  ),
});

const workloadEntry = crd({
  group: 'networking.istio.io',
  kind: 'WorkloadEntry',
  plural: 'workloadentries',
  singular: 'workloadentry',
  shortNames: ['we'],
  categories: ['istio-io', 'networking-istio-io'],
  scope: 'Namespaced',
  versions: NETWORKING_VERSIONS,
  storageVersion: 'v1alpha3',
  labels: ISTIO_CRD_LABELS,
  annotations: KEEP,
  printerColumns: [
    {
      name: 'Address',
      type: 'string',
      jsonPath: '.spec.address',
      description: 'Address associated with the network endpoint.',
    },
  ],
  spec: open({
    address: str(),
    ports: intMap(),
    labels: stringMap(),
    network: str(),
    locality: str(),
    weight: int(),
    serviceAccount: str(),
  }),
});

const source = (): Schema =>
  open({
    principals: strings(),
    notPrincipals: strings(),
    requestPrincipals: strings(),
    notRequestPrincipals: strings(),
    namespaces: strings(),
    notNamespaces: strings(),
    ipBlocks: strings(),
    notIpBlocks: strings(),
    remoteIpBlocks: strings(),
    notRemoteIpBlocks: strings(),
    serviceAccounts: strings(),
    notServiceAccounts: strings(),
  });

const operation = (): Schema =>
  open({
    hosts: strings(),
    notHosts: strings(),
    ports: strings(),
    notPorts: strings(),
    methods: strings(),
    notMethods: strings(),
    paths: strings(),
    notPaths: strings(),
  });

const authorizationPolicy = crd({
  group: 'security.istio.io',
  kind: 'AuthorizationPolicy',
  plural: 'authorizationpolicies',
  singular: 'authorizationpolicy',
  shortNames: ['ap'],
  categories: ['istio-io', 'security-istio-io'],
  scope: 'Namespaced',
  versions: SECURITY_VERSIONS,
  storageVersion: 'v1beta1',
  labels: { ...ISTIO_CRD_LABELS, istio: 'security' },
  annotations: KEEP,
  printerColumns: [
    {
      name: 'Action',
      type: 'string',
      jsonPath: '.spec.action',
      description: 'The operation to take.',
    },
  ],
  spec: open({
    selector: workloadSelector(),
    targetRef: policyTargetReference(),
    targetRefs: arrayOf(policyTargetReference()),
    action: str({ enum: ['ALLOW', 'DENY', 'AUDIT', 'CUSTOM'] }),
    provider: open({ name: str() }),
    rules: arrayOf(
      open({
        from: arrayOf(open({ source: source() })),
        to: arrayOf(open({ operation: operation() })),
        when: arrayOf(
          open({ key: str(), values: strings(), notValues: strings() }, { required: ['key'] }),
        ),
      }),
    ),
  }),
});

const mtlsMode = (): Schema =>
  closed({ mode: str({ enum: ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'] }) });

const peerAuthentication = crd({
  group: 'security.istio.io',
  kind: 'PeerAuthentication',
  plural: 'peerauthentications',
  singular: 'peerauthentication',
  shortNames: ['pa'],
  categories: ['istio-io', 'security-istio-io'],
  scope: 'Namespaced',
  versions: SECURITY_VERSIONS,
  storageVersion: 'v1beta1',
  labels: { ...ISTIO_CRD_LABELS, istio: 'security' },
  annotations: KEEP,
  printerColumns: [
    {
      name: 'Mode',
      type: 'string',
      jsonPath: '.spec.mtls.mode',
      description: 'Defines the mTLS mode used for peer authentication.',
    },
  ],
  spec: open({
    selector: workloadSelector(),
    mtls: mtlsMode(),
    portLevelMtls: { type: 'object', additionalProperties: mtlsMode() },
  }),
});

export function istioCrds(): K8sObject[] {
  return [
    authorizationPolicy,
    peerAuthentication,
    destinationRule,
    serviceEntry,
    virtualService,
    workloadEntry,
  ];
}
