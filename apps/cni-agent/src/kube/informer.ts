// The agent's informers are @ambient-ts/kube-informer's (a ListWatch restarted with back-off
// until the signal aborts); this only adds what to check when the apiserver answers 403.
import {
  startInformer as startKubeInformer,
  type Informer,
  type InformerOptions,
} from '@ambient-ts/kube-informer';
import type { KubernetesObject } from '@kubernetes/client-node';

export type { Informer, InformerHandlers } from '@ambient-ts/kube-informer';

export function startInformer<T extends KubernetesObject>(
  options: Omit<InformerOptions<T>, 'rbacHint'>,
): Informer<T> {
  return startKubeInformer({
    ...options,
    rbacHint: 'check the istio-cni ClusterRole and its binding',
  });
}
