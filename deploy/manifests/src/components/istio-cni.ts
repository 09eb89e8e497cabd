// istio-cni: ServiceAccount, RBAC (istio-cni, istio-cni-ambient), the ConfigMap
// istio-cni-config the agent reads its environment from, and the DaemonSet istio-cni-node
// (chart istio-cni).
import { stringify } from 'yaml';
import type { V1ClusterRole, V1DaemonSet } from '@kubernetes/client-node';
import {
  fieldEnv,
  installLabels,
  TOLERATE_EVERYTHING,
  type K8sObject,
  type Plain,
} from '../k8s.js';
import { image, VERSION, type Values } from '../values.js';

const COMPONENT = 'Cni';

/** The chart's default ambient.enablementSelectors. */
export const DEFAULT_ENABLEMENT_SELECTORS = [
  { podSelector: { matchLabels: { 'istio.io/dataplane-mode': 'ambient' } } },
  {
    podSelector: {
      matchExpressions: [{ key: 'istio.io/dataplane-mode', operator: 'NotIn', values: ['none'] }],
    },
    namespaceSelector: { matchLabels: { 'istio.io/dataplane-mode': 'ambient' } },
  },
];

export function istioCni(v: Values): K8sObject[] {
  const labels = installLabels(COMPONENT, { app: 'istio-cni', release: 'istio-cni' });
  const sa: K8sObject = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'istio-cni', namespace: v.namespace, labels },
  };
  const clusterRole: Plain<V1ClusterRole> = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'istio-cni', labels },
    rules: [
      {
        apiGroups: [''],
        resources: ['pods', 'nodes', 'namespaces'],
        verbs: ['get', 'list', 'watch'],
      },
    ],
  };
  const ambientRole: Plain<V1ClusterRole> = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'istio-cni-ambient', labels },
    rules: [
      { apiGroups: [''], resources: ['pods/status'], verbs: ['patch', 'update'] },
      {
        apiGroups: ['apps'],
        resources: ['daemonsets'],
        resourceNames: ['istio-cni-node'],
        verbs: ['get'],
      },
    ],
  };
  const bind = (name: string): K8sObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
    subjects: [{ kind: 'ServiceAccount', name: 'istio-cni', namespace: v.namespace }],
  });
  const config: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio-cni-config', namespace: v.namespace, labels },
    data: {
      CURRENT_AGENT_VERSION: VERSION,
      AMBIENT_ENABLED: 'true',
      AMBIENT_ENABLEMENT_SELECTOR: stringify(DEFAULT_ENABLEMENT_SELECTORS, { lineWidth: 0 }),
      AMBIENT_DNS_CAPTURE: String(v.cni.dnsCapture),
      AMBIENT_IPV6: String(v.cni.ipv6),
      AMBIENT_RECONCILE_POD_RULES_ON_STARTUP: String(v.cni.reconcileIptablesOnStartup),
      CHAINED_CNI_PLUGIN: 'true',
      EXCLUDE_NAMESPACES: v.cni.excludeNamespaces.join(','),
      NATIVE_NFTABLES: 'false',
      CNI_NET_DIR: v.cni.cniConfDir,
      CNI_BIN_DIR: v.cni.cniBinDir,
      LOG_LEVEL: v.logLevel,
      PLUGIN_LOG_LEVEL: v.logLevel,
    },
  };
  const ds: Plain<V1DaemonSet> = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name: 'istio-cni-node',
      namespace: v.namespace,
      labels: { ...labels, 'k8s-app': 'istio-cni-node' },
    },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'istio-cni-node' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: {
          labels: {
            'k8s-app': 'istio-cni-node',
            'sidecar.istio.io/inject': 'false',
            'istio.io/dataplane-mode': 'none',
            'app.kubernetes.io/name': 'istio-cni',
          },
          annotations: {
            'sidecar.istio.io/inject': 'false',
            'prometheus.io/port': '15014',
            'prometheus.io/scrape': 'true',
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: TOLERATE_EVERYTHING,
          priorityClassName: 'system-node-critical',
          serviceAccountName: 'istio-cni',
          hostNetwork: true,
          dnsPolicy: 'ClusterFirstWithHostNet',
          // Short: a SIGTERM only has to remove the plugin (on uninstall) and close sockets.
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'install-cni',
              image: image(v, 'install-cni'),
              imagePullPolicy: v.imagePullPolicy,
              ports: [{ containerPort: 15014, name: 'metrics', protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/readyz', port: 8000 } },
              securityContext: {
                privileged: false,
                runAsGroup: 0,
                runAsUser: 0,
                runAsNonRoot: false,
                capabilities: {
                  drop: ['ALL'],
                  add: ['NET_ADMIN', 'NET_RAW', 'SYS_PTRACE', 'SYS_ADMIN', 'DAC_OVERRIDE'],
                },
                appArmorProfile: { type: 'Unconfined' },
                seccompProfile: { type: 'Unconfined' },
              },
              envFrom: [{ configMapRef: { name: 'istio-cni-config' } }],
              env: [
                fieldEnv('NODE_NAME', 'spec.nodeName'),
                fieldEnv('POD_NAME', 'metadata.name'),
                fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
              ],
              resources: { requests: { cpu: '100m', memory: '100Mi' } },
              volumeMounts: [
                { mountPath: '/host/opt/cni/bin', name: 'cni-bin-dir' },
                { mountPath: '/host/proc', name: 'cni-host-procfs', readOnly: true },
                { mountPath: '/host/etc/cni/net.d', name: 'cni-net-dir' },
                { mountPath: '/var/run/istio-cni', name: 'cni-socket-dir' },
                {
                  mountPath: '/host/var/run/netns',
                  mountPropagation: 'HostToContainer',
                  name: 'cni-netns-dir',
                },
                { mountPath: '/var/run/ztunnel', name: 'cni-ztunnel-sock-dir' },
              ],
            },
          ],
          volumes: [
            { name: 'cni-bin-dir', hostPath: { path: v.cni.cniBinDir } },
            { name: 'cni-host-procfs', hostPath: { path: '/proc', type: 'Directory' } },
            {
              name: 'cni-ztunnel-sock-dir',
              hostPath: { path: '/var/run/ztunnel', type: 'DirectoryOrCreate' },
            },
            { name: 'cni-net-dir', hostPath: { path: v.cni.cniConfDir } },
            { name: 'cni-socket-dir', hostPath: { path: '/var/run/istio-cni' } },
            {
              name: 'cni-netns-dir',
              hostPath: { path: '/var/run/netns', type: 'DirectoryOrCreate' },
            },
          ],
        },
      },
    },
  };
  return [
    sa,
    clusterRole as K8sObject,
    ambientRole as K8sObject,
    bind('istio-cni'),
    bind('istio-cni-ambient'),
    config,
    ds as K8sObject,
  ];
}
