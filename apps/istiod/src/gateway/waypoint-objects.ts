// What a waypoint Gateway (class istio-waypoint) is deployed as: its
// ServiceAccount, Deployment and Service, as upstream's deployment controller
// renders them (istiod.md §4.2, the waypoint golden). Pure: a Gateway and the
// settings in, three objects out.

import { asRecord, asStringMap, type KubeObject } from '../kube/objects.js';

export const WAYPOINT_CLASS = 'istio-waypoint';
export const MESH_CONTROLLER = 'istio.io/mesh-controller';
export const MANAGED_LABEL = 'gateway.istio.io/managed';
export const MANAGED_VALUE = 'istio.io-mesh-controller';
export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const GATEWAY_CLASS_LABEL = 'gateway.networking.k8s.io/gateway-class-name';
export const NAME_OVERRIDE_ANNOTATION = 'gateway.istio.io/name-override';
export const SERVICE_ACCOUNT_ANNOTATION = 'gateway.istio.io/service-account';
export const SERVICE_TYPE_ANNOTATION = 'networking.istio.io/service-type';
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';

export interface WaypointDeploymentSettings {
  readonly image: string;
  /** istiod's namespace (CA_ADDR and XDS address). */
  readonly istiodNamespace: string;
  readonly clusterId: string;
  readonly network: string;
  readonly trustDomain: string;
  readonly domainSuffix: string;
  readonly revision: string;
}

export interface WaypointObjects {
  readonly serviceAccount: KubeObject;
  readonly deployment: KubeObject;
  readonly service: KubeObject;
}

/** The name of the Deployment/Service a waypoint Gateway gets (no suffix for this class). */
export function waypointResourceName(gw: KubeObject): string {
  return gw.metadata.annotations?.[NAME_OVERRIDE_ANNOTATION] ?? gw.metadata.name ?? '';
}

function infrastructure(gw: KubeObject): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const infra = asRecord(asRecord(gw.spec)?.infrastructure);
  const labels = asStringMap(infra?.labels) ?? gw.metadata.labels ?? {};
  const annotations = asStringMap(infra?.annotations) ?? {};
  return { labels: { ...labels }, annotations: { ...annotations } };
}

export function renderWaypointObjects(
  gw: KubeObject,
  s: WaypointDeploymentSettings,
): WaypointObjects {
  const gwName = gw.metadata.name ?? '';
  const ns = gw.metadata.namespace ?? '';
  const name = waypointResourceName(gw);
  const sa = gw.metadata.annotations?.[SERVICE_ACCOUNT_ANNOTATION] ?? name;
  const infra = infrastructure(gw);
  const labels: Record<string, string> = {
    ...infra.labels,
    [MANAGED_LABEL]: MANAGED_VALUE,
    [GATEWAY_CLASS_LABEL]: WAYPOINT_CLASS,
    [GATEWAY_NAME_LABEL]: gwName,
    ...(s.network && { 'topology.istio.io/network': s.network }),
  };
  const ownerReferences = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      name: gwName,
      uid: gw.metadata.uid ?? '',
    },
  ];
  const meta = (extraAnnotations: Record<string, string> = {}) => ({
    name,
    namespace: ns,
    labels,
    annotations: { ...infra.annotations, ...extraAnnotations },
    ownerReferences,
  });
  const fieldRef = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });
  const istiod = `istiod.${s.istiodNamespace}.svc:15012`;
  const serviceAccount: KubeObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { ...meta(), name: sa },
  };
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(),
    spec: {
      selector: { matchLabels: { [GATEWAY_NAME_LABEL]: gwName } },
      template: {
        metadata: {
          annotations: {
            'istio.io/rev': s.revision,
            'prometheus.io/path': '/stats/prometheus',
            'prometheus.io/port': '15020',
            'prometheus.io/scrape': 'true',
          },
          labels: {
            ...labels,
            // Waypoints are never captured by ztunnel, unless the Gateway asks.
            [DATAPLANE_MODE_LABEL]: gw.metadata.labels?.[DATAPLANE_MODE_LABEL] ?? 'none',
            'service.istio.io/canonical-name': gwName,
            'service.istio.io/canonical-revision': 'latest',
            'sidecar.istio.io/inject': 'false',
          },
        },
        spec: {
          serviceAccountName: sa,
          containers: [
            {
              name: 'istio-proxy',
              image: s.image,
              args: [
                'proxy',
                'waypoint',
                '--domain',
                `$(POD_NAMESPACE).svc.${s.domainSuffix}`,
                '--serviceCluster',
                `${gwName}.$(POD_NAMESPACE)`,
              ],
              env: [
                { name: 'ISTIO_META_SERVICE_ACCOUNT', ...fieldRef('spec.serviceAccountName') },
                { name: 'ISTIO_META_NODE_NAME', ...fieldRef('spec.nodeName') },
                { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
                { name: 'CA_ADDR', value: istiod },
                { name: 'CA_ADDRESS', value: istiod },
                { name: 'XDS_ADDRESS', value: istiod },
                { name: 'POD_NAME', ...fieldRef('metadata.name') },
                { name: 'POD_NAMESPACE', ...fieldRef('metadata.namespace') },
                { name: 'INSTANCE_IP', ...fieldRef('status.podIP') },
                { name: 'SERVICE_ACCOUNT', ...fieldRef('spec.serviceAccountName') },
                { name: 'HOST_IP', ...fieldRef('status.hostIP') },
                { name: 'PROXY_CONFIG', value: '{}\n' },
                { name: 'ISTIO_META_CLUSTER_ID', value: s.clusterId },
                ...(s.network ? [{ name: 'ISTIO_META_NETWORK', value: s.network }] : []),
                { name: 'ISTIO_META_INTERCEPTION_MODE', value: 'REDIRECT' },
                { name: 'ISTIO_META_WORKLOAD_NAME', value: name },
                {
                  name: 'ISTIO_META_OWNER',
                  value: `kubernetes://apis/apps/v1/namespaces/${ns}/deployments/${name}`,
                },
                { name: 'ISTIO_META_MESH_ID', value: s.trustDomain },
                { name: 'TRUST_DOMAIN', value: s.trustDomain },
              ],
              ports: [
                { containerPort: 15020, name: 'metrics', protocol: 'TCP' },
                { containerPort: 15021, name: 'status-port', protocol: 'TCP' },
                { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
              ],
              readinessProbe: {
                failureThreshold: 4,
                httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' },
                initialDelaySeconds: 0,
                periodSeconds: 15,
                successThreshold: 1,
                timeoutSeconds: 1,
              },
              startupProbe: {
                failureThreshold: 30,
                httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' },
                initialDelaySeconds: 1,
                periodSeconds: 1,
                successThreshold: 1,
                timeoutSeconds: 1,
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsGroup: 1337,
                runAsNonRoot: true,
                runAsUser: 1337,
              },
              volumeMounts: [
                { mountPath: '/var/run/secrets/workload-spiffe-uds', name: 'workload-socket' },
                { mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' },
                { mountPath: '/var/lib/istio/data', name: 'istio-data' },
                { mountPath: '/etc/istio/proxy', name: 'istio-envoy' },
                { mountPath: '/var/run/secrets/tokens', name: 'istio-token' },
                { mountPath: '/etc/istio/pod', name: 'istio-podinfo' },
              ],
            },
          ],
          volumes: [
            { name: 'workload-socket', emptyDir: {} },
            { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
            { name: 'istio-data', emptyDir: {} },
            {
              name: 'istio-podinfo',
              downwardAPI: {
                items: [
                  { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                  { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
                ],
              },
            },
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
            { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } },
          ],
        },
      },
    },
  };
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta({ 'networking.istio.io/traffic-distribution': 'PreferClose' }),
    spec: {
      type: gw.metadata.annotations?.[SERVICE_TYPE_ANNOTATION] ?? 'ClusterIP',
      ipFamilyPolicy: 'PreferDualStack',
      ports: [
        { name: 'status-port', port: 15021, protocol: 'TCP', appProtocol: 'tcp' },
        { name: 'mesh', port: 15008, protocol: 'TCP', appProtocol: 'all' },
      ],
      selector: { [GATEWAY_NAME_LABEL]: gwName },
    },
  };
  return { serviceAccount, deployment, service };
}
