// The environment istioctl reads, in one place: where kubeconfigs live and
// upstream's ISTIOCTL_* overrides (viper's env prefix) for flag defaults.

import path from 'node:path';

export interface CliEnvironment {
  /** KUBECONFIG, split on the platform's path delimiter, empty entries dropped. */
  readonly kubeconfigPaths: readonly string[];
  /** $HOME/.kube/config, when HOME is set. */
  readonly homeKubeconfig: string | undefined;
  /** KUBERNETES_SERVICE_HOST is set: fall back to the pod's service account. */
  readonly inCluster: boolean;
  /** Default of -i/--istioNamespace: ISTIOCTL_ISTIONAMESPACE, else istio-system. */
  readonly istioNamespace: string;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  const home = env.HOME || env.USERPROFILE;
  return {
    kubeconfigPaths: (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== ''),
    homeKubeconfig: home ? path.join(home, '.kube', 'config') : undefined,
    inCluster: Boolean(env.KUBERNETES_SERVICE_HOST),
    istioNamespace: env.ISTIOCTL_ISTIONAMESPACE || 'istio-system',
  };
}
