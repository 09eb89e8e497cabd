// istiod: ServiceAccount, RBAC (upstream names for the default revision), the mesh
// ConfigMap `istio`, Deployment and Service `istiod` (chart istio-control/istio-discovery).
import { stringify } from 'yaml';
import type { V1ClusterRole, V1Deployment, V1Role, V1Service } from '@kubernetes/client-node';
import { fieldEnv, installLabels, type K8sObject, type Plain } from '../k8s.js';
import { image, type Values } from '../values.js';

const COMPONENT = 'Pilot';
const APP_LABELS = { app: 'istiod', istio: 'pilot', 'istio.io/rev': 'default' };

const CRUD = ['get', 'watch', 'list', 'update', 'patch', 'create', 'delete'];
const READ = ['get', 'list', 'watch'];

export function istiodClusterRoleName(v: Values): string {
  return `istiod-clusterrole-${v.namespace}`;
}

export function istiodGatewayControllerRoleName(v: Values): string {
  return `istiod-gateway-controller-${v.namespace}`;
}

export function meshConfig(v: Values): Record<string, unknown> {
  return {
    trustDomain: v.trustDomain,
    rootNamespace: v.namespace,
    enablePrometheusMerge: true,
    defaultConfig: {
      discoveryAddress: `istiod.${v.namespace}.svc:15012`,
      proxyMetadata: { ISTIO_META_ENABLE_HBONE: 'true' },
    },
    defaultProviders: { metrics: ['prometheus'] },
  };
}

export function istiod(v: Values): K8sObject[] {
  const labels = installLabels(COMPONENT, { app: 'istiod', release: 'istio' });
  const sa: K8sObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'istiod', namespace: v.namespace, labels },
  };
  const clusterRole: Plain<V1ClusterRole> = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: istiodClusterRoleName(v), labels },
    rules: [
      {
        apiGroups: [
          'config.istio.io',
          'security.istio.io',
          'networking.istio.io',
          'authentication.istio.io',
          'rbac.istio.io',
          'telemetry.istio.io',
          'extensions.istio.io',
        ],
        resources: ['*'],
        verbs: READ,
      },
      { apiGroups: ['networking.istio.io'], resources: ['workloadentries'], verbs: CRUD },
      {
        apiGroups: ['networking.istio.io'],
        resources: ['workloadentries/status', 'serviceentries/status'],
        verbs: CRUD,
      },
      {
        apiGroups: ['security.istio.io'],
        resources: ['authorizationpolicies/status'],
        verbs: CRUD,
      },
      { apiGroups: [''], resources: ['services/status'], verbs: CRUD },
      {
        apiGroups: ['apiextensions.k8s.io'],
        resources: ['customresourcedefinitions'],
        verbs: READ,
      },
      {
        apiGroups: [''],
        resources: ['pods', 'nodes', 'services', 'namespaces', 'endpoints'],
        verbs: READ,
      },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
      {
        apiGroups: [''],
        resources: ['configmaps'],
        verbs: ['create', 'get', 'list', 'watch', 'update', 'delete'],
      },
      { apiGroups: [''], resources: ['secrets'], verbs: READ },
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: READ },
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      {
        apiGroups: ['authorization.k8s.io'],
        resources: ['subjectaccessreviews'],
        verbs: ['create'],
      },
      {
        apiGroups: ['certificates.k8s.io'],
        resources: [
          'certificatesigningrequests',
          'certificatesigningrequests/approval',
          'certificatesigningrequests/status',
        ],
        verbs: ['update', 'create', 'get', 'delete', 'watch'],
      },
      {
        apiGroups: ['certificates.k8s.io'],
        resources: ['signers'],
        resourceNames: ['kubernetes.io/legacy-unknown'],
        verbs: ['approve'],
      },
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['*'], verbs: READ },
      {
        apiGroups: ['gateway.networking.k8s.io'],
        resources: [
          'gatewayclasses/status',
          'gateways/status',
          'httproutes/status',
          'grpcroutes/status',
          'referencegrants/status',
          'tcproutes/status',
          'tlsroutes/status',
          'udproutes/status',
          'backendtlspolicies/status',
        ],
        verbs: ['update', 'patch'],
      },
      {
        apiGroups: ['gateway.networking.k8s.io'],
        resources: ['gatewayclasses'],
        verbs: ['create', 'update', 'patch', 'delete'],
      },
      // The deployment controller stamps each waypoint Gateway it manages with
      // gateway.istio.io/controller-version (a metadata patch, not status).
      {
        apiGroups: ['gateway.networking.k8s.io'],
        resources: ['gateways'],
        verbs: ['update', 'patch'],
      },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: READ },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['*'] },
    ],
  };
  const gatewayRole: Plain<V1ClusterRole> = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: istiodGatewayControllerRoleName(v), labels },
    rules: [
      { apiGroups: ['apps'], resources: ['deployments'], verbs: CRUD },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: CRUD },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: CRUD },
      { apiGroups: [''], resources: ['services'], verbs: CRUD },
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: CRUD },
    ],
  };
  const bind = (name: string): K8sObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ kind: 'ServiceAccount', name: 'istiod', namespace: v.namespace }],
  });
  const role: Plain<V1Role> = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'istiod', namespace: v.namespace, labels },
    rules: [
      {
        apiGroups: [''],
        resources: ['configmaps'],
        verbs: ['create', 'get', 'list', 'watch', 'update', 'delete'],
      },
      {
        apiGroups: [''],
        resources: ['secrets'],
        verbs: ['create', 'get', 'watch', 'list', 'update', 'delete'],
      },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'update', 'patch', 'create'],
      },
    ],
  };
  const roleBinding: K8sObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'istiod', namespace: v.namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'istiod' },
    subjects: [{ kind: 'ServiceAccount', name: 'istiod', namespace: v.namespace }],
  };
  const mesh: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'istio',
      namespace: v.namespace,
      labels: { ...labels, 'istio.io/rev': 'default' },
    },
    data: { mesh: stringify(meshConfig(v), { lineWidth: 0 }), meshNetworks: 'networks: {}\n' },
  };
  const deployment: Plain<V1Deployment> = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'istiod', namespace: v.namespace, labels: { ...labels, ...APP_LABELS } },
    spec: {
      replicas: 1,
      strategy: { rollingUpdate: { maxSurge: '100%', maxUnavailable: '25%' } },
      selector: { matchLabels: { istio: 'pilot' } },
      template: {
        metadata: {
          labels: {
            ...APP_LABELS,
            'install.operator.istio.io/owning-resource': 'unknown',
            'operator.istio.io/component': COMPONENT,
            'sidecar.istio.io/inject': 'false',
            'istio.io/dataplane-mode': 'none',
          },
          annotations: {
            'prometheus.io/port': '15014',
            'prometheus.io/scrape': 'true',
            'sidecar.istio.io/inject': 'false',
          },
        },
        spec: {
          serviceAccountName: 'istiod',
          tolerations: [{ key: 'cni.istio.io/not-ready', operator: 'Exists' }],
          containers: [
            {
              name: 'discovery',
              image: image(v, 'pilot'),
              imagePullPolicy: v.imagePullPolicy,
              args: [
                'discovery',
                '--monitoringAddr=:15014',
                `--log_output_level=default:${v.logLevel}`,
                '--domain',
                'cluster.local',
                '--keepaliveMaxServerConnectionAge',
                '30m',
              ],
              ports: [
                { containerPort: 8080, protocol: 'TCP', name: 'http-debug' },
                { containerPort: 15010, protocol: 'TCP', name: 'grpc-xds' },
                { containerPort: 15012, protocol: 'TCP', name: 'tls-xds' },
                { containerPort: 15017, protocol: 'TCP', name: 'https-webhooks' },
                { containerPort: 15014, protocol: 'TCP', name: 'http-monitoring' },
              ],
              readinessProbe: {
                httpGet: { path: '/ready', port: 8080 },
                initialDelaySeconds: 1,
                periodSeconds: 3,
                timeoutSeconds: 5,
              },
              env: [
                { name: 'REVISION', value: 'default' },
                { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
                fieldEnv('POD_NAME', 'metadata.name'),
                fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
                fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
                { name: 'CA_TRUSTED_NODE_ACCOUNTS', value: `${v.namespace}/ztunnel` },
                { name: 'PILOT_ENABLE_AMBIENT', value: 'true' },
                { name: 'PILOT_TRACE_SAMPLING', value: '1' },
                { name: 'PILOT_ENABLE_ANALYSIS', value: 'false' },
                { name: 'CLUSTER_ID', value: v.clusterId },
                { name: 'PLATFORM', value: '' },
                // Waypoint Deployments run our L7 proxy (apps/waypoint) under upstream's proxyv2
                // name; set explicitly so a custom hub/tag reaches the waypoints too.
                { name: 'WAYPOINT_IMAGE', value: image(v, 'proxyv2') },
              ],
              resources: { requests: { cpu: '100m', memory: '256Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsUser: 1337,
                runAsGroup: 1337,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'istio-token', mountPath: '/var/run/secrets/tokens', readOnly: true },
                { name: 'local-certs', mountPath: '/var/run/secrets/istio-dns' },
                { name: 'cacerts', mountPath: '/etc/cacerts', readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'local-certs', emptyDir: { medium: 'Memory' } },
            {
              name: 'istio-token',
              projected: {
                sources: [
                  {
                    serviceAccountToken: {
                      audience: 'istio-ca',
                      expirationSeconds: 43200,
                      path: 'istio-token',
                    },
                  },
                ],
              },
            },
            { name: 'cacerts', secret: { secretName: 'cacerts', optional: true } },
          ],
        },
      },
    },
  };
  const service: Plain<V1Service> = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'istiod', namespace: v.namespace, labels: { ...labels, ...APP_LABELS } },
    spec: {
      ports: [
        { port: 15010, name: 'grpc-xds', protocol: 'TCP' },
        { port: 15012, name: 'https-dns', protocol: 'TCP' },
        { port: 443, name: 'https-webhook', targetPort: 15017, protocol: 'TCP' },
        { port: 15014, name: 'http-monitoring', protocol: 'TCP' },
      ],
      selector: { app: 'istiod', istio: 'pilot' },
    },
  };
  return [
    sa,
    clusterRole as K8sObject,
    gatewayRole as K8sObject,
    bind(istiodClusterRoleName(v)),
    bind(istiodGatewayControllerRoleName(v)),
    role as K8sObject,
    roleBinding,
    mesh,
    deployment as K8sObject,
    service as K8sObject,
  ];
}
