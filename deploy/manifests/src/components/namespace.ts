import type { K8sObject } from '../k8s.js';
import type { Values } from '../values.js';

/** The system namespace; istio's own pods opt out of ambient capture. */
export function namespace(v: Values): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: v.namespace,
      labels: {
        'kubernetes.io/metadata.name': v.namespace,
        ...(v.network ? { 'topology.istio.io/network': v.network } : {}),
      },
    },
  };
}
