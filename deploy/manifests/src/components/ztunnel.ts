// ztunnel: ServiceAccount and DaemonSet (chart ztunnel). No ClusterRole: ztunnel never
// talks to the Kubernetes API; its identity comes from the projected token (audience istio-ca).
import type { V1DaemonSet } from '@kubernetes/client-node';
import {
  fieldEnv,
  installLabels,
  TOLERATE_EVERYTHING,
  type K8sObject,
  type Plain,
} from '../k8s.js';
import { image, type Values } from '../values.js';

const COMPONENT = 'Ztunnel';

export function ztunnel(v: Values): K8sObject[] {
  const labels = installLabels(COMPONENT, { app: 'ztunnel' });
  const sa: K8sObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'ztunnel', namespace: v.namespace, labels },
  };
  const xds = `istiod.${v.namespace}.svc:15012`;
  const ds: Plain<V1DaemonSet> = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: 'ztunnel',
      namespace: v.namespace,
      labels: { ...labels, 'app.kubernetes.io/name': 'ztunnel' },
    },
    spec: {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: { app: 'ztunnel' } },
      template: {
        metadata: {
          labels: {
            app: 'ztunnel',
            'app.kubernetes.io/name': 'ztunnel',
            'sidecar.istio.io/inject': 'false',
            'istio.io/dataplane-mode': 'none',
          },
          annotations: {
            'sidecar.istio.io/inject': 'false',
            'prometheus.io/port': '15020',
            'prometheus.io/scrape': 'true',
          },
        },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          serviceAccountName: 'ztunnel',
          tolerations: TOLERATE_EVERYTHING,
          priorityClassName: 'system-node-critical',
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'istio-proxy',
              image: image(v, 'ztunnel'),
              imagePullPolicy: v.imagePullPolicy,
              args: ['proxy', 'ztunnel'],
              ports: [{ containerPort: 15020, name: 'ztunnel-stats', protocol: 'TCP' }],
              resources: { requests: { cpu: '200m', memory: '512Mi' } },
              securityContext: {
                privileged: false,
                allowPrivilegeEscalation: true,
                readOnlyRootFilesystem: true,
                runAsGroup: 1337,
                runAsNonRoot: false,
                runAsUser: 0,
                capabilities: { drop: ['ALL'], add: ['NET_ADMIN', 'SYS_ADMIN', 'NET_RAW'] },
              },
              readinessProbe: { httpGet: { port: 15021, path: '/healthz/ready' } },
              env: [
                { name: 'CA_ADDRESS', value: xds },
                { name: 'XDS_ADDRESS', value: xds },
                { name: 'RUST_LOG', value: v.logLevel },
                { name: 'RUST_BACKTRACE', value: '1' },
                { name: 'ISTIO_META_CLUSTER_ID', value: v.clusterId },
                { name: 'INPOD_ENABLED', value: 'true' },
                { name: 'TERMINATION_GRACE_PERIOD_SECONDS', value: '30' },
                fieldEnv('POD_NAME', 'metadata.name'),
                fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
                fieldEnv('NODE_NAME', 'spec.nodeName'),
                fieldEnv('INSTANCE_IP', 'status.podIP'),
                fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
                { name: 'ISTIO_META_ENABLE_HBONE', value: 'true' },
                { name: 'LOG_FORMAT', value: v.logFormat },
                ...(v.network ? [{ name: 'NETWORK', value: v.network }] : []),
              ],
              volumeMounts: [
                { mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' },
                { mountPath: '/var/run/secrets/tokens', name: 'istio-token' },
                { mountPath: '/var/run/ztunnel', name: 'cni-ztunnel-sock-dir' },
                { mountPath: '/tmp', name: 'tmp' },
              ],
            },
          ],
          volumes: [
            {
              name: 'istio-token',
              projected: {
                sources: [
                  {
                    serviceAccountToken: {
                      path: 'istio-token',
                      expirationSeconds: 43200,
                      audience: 'istio-ca',
                    },
                  },
                ],
              },
            },
            { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } },
            {
              name: 'cni-ztunnel-sock-dir',
              hostPath: { path: '/var/run/ztunnel', type: 'DirectoryOrCreate' },
            },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  return [sa, ds as K8sObject];
}
