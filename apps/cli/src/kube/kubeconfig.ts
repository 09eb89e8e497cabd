// Which kubeconfig istioctl uses, with client-go's loading rules: the
// --kubeconfig file, else every file listed in KUBECONFIG (missing ones
// skipped, the first file that defines a name wins), else ~/.kube/config,
// else the in-cluster service account. --context picks another context.

import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeconfigLocation {
  /** --kubeconfig / -c */
  readonly explicitPath: string;
  /** KUBECONFIG split on the path delimiter. */
  readonly envPaths: readonly string[];
  /** ~/.kube/config, when a home directory is known. */
  readonly homePath: string | undefined;
  /** KUBERNETES_SERVICE_HOST is set: running in a pod. */
  readonly inCluster: boolean;
}

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/** The files client-go would merge, in precedence order. */
export function kubeconfigFiles(location: KubeconfigLocation): string[] {
  if (location.explicitPath !== '') {
    if (!existsSync(location.explicitPath)) {
      throw new KubeconfigError(`stat ${location.explicitPath}: no such file or directory`);
    }
    return [location.explicitPath];
  }
  if (location.envPaths.length > 0) return location.envPaths.filter((p) => existsSync(p));
  if (location.homePath !== undefined && existsSync(location.homePath)) return [location.homePath];
  return [];
}

/** Loads and merges the kubeconfig, switched to `context` when one is given. */
export function loadKubeConfig(location: KubeconfigLocation, context: string): KubeConfig {
  const files = kubeconfigFiles(location);
  const config = new KubeConfig();
  if (files.length === 0) {
    if (!location.inCluster) {
      throw new KubeconfigError(
        'invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable',
      );
    }
    config.loadFromCluster();
    return config;
  }
  const parts = files.map((file) => {
    const part = new KubeConfig();
    try {
      part.loadFromFile(file);
    } catch (error) {
      throw new KubeconfigError(`error loading config file "${file}": ${(error as Error).message}`);
    }
    return part;
  });
  const firstByName = <T extends { name: string }>(lists: (readonly T[])[]): T[] => {
    const seen = new Map<string, T>();
    for (const item of lists.flat()) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  config.loadFromOptions({
    clusters: firstByName(parts.map((p) => p.clusters)),
    users: firstByName(parts.map((p) => p.users)),
    contexts: firstByName(parts.map((p) => p.contexts)),
    currentContext: parts.map((p) => p.currentContext).find((c) => c !== '') ?? '',
  });
  if (context !== '') {
    if (!config.getContextObject(context)) {
      throw new KubeconfigError(`context "${context}" does not exist`);
    }
    config.setCurrentContext(context);
  }
  if (config.currentContext === '' || !config.getContextObject(config.currentContext)) {
    throw new KubeconfigError('invalid configuration: no configuration has been provided');
  }
  return allowPlainHttp(config);
}

/**
 * client-go talks to an http:// server (kubectl proxy, a local apiserver);
 * client-node refuses to unless skipTLSVerify is set. Over plain HTTP there is
 * no certificate to verify, so setting it changes nothing else.
 */
function allowPlainHttp(config: KubeConfig): KubeConfig {
  const cluster = config.getCurrentCluster();
  if (!cluster || !cluster.server.startsWith('http:') || cluster.skipTLSVerify) return config;
  const patched = new KubeConfig();
  patched.loadFromOptions({
    clusters: config.clusters.map((c) =>
      c.name === cluster.name ? { ...c, skipTLSVerify: true } : c,
    ),
    users: config.users,
    contexts: config.contexts,
    currentContext: config.currentContext,
  });
  return patched;
}

/**
 * The namespace of the selected context, or "default": istioctl's default
 * for -n. Any problem reading the kubeconfig also means "default", as upstream.
 */
export function defaultNamespace(location: KubeconfigLocation, context: string): string {
  try {
    const files = kubeconfigFiles(location);
    if (files.length === 0) return 'default';
    const config = loadKubeConfig(location, '');
    const selected = context !== '' ? context : config.currentContext;
    return config.getContextObject(selected)?.namespace || 'default';
  } catch {
    return 'default';
  }
}
