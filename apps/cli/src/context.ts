// What every command needs from the root flags: the namespace rules
// (-n, else the kubeconfig context's namespace, else "default"), the Istio
// namespace, a Kubernetes client built on first use, and the clock.

import { parseGoDuration } from './cli/go-duration.js';
import type { Flags } from './cli/spec.js';
import type { CliEnvironment } from './config.js';
import type { KubeClient } from './kube/kube-client.js';
import { defaultNamespace, type KubeconfigLocation } from './kube/kubeconfig.js';

export interface Clock {
  /** Milliseconds, monotonic enough for timeouts. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Everything the HTTP client needs, from the root flags. */
export interface KubeSettings {
  readonly location: KubeconfigLocation;
  readonly context: string;
  readonly timeoutMs: number;
  readonly impersonate: {
    readonly user: string;
    readonly uid: string;
    readonly groups: readonly string[];
  };
}

export type KubeClientFactory = (settings: KubeSettings) => KubeClient;

export interface CliContext {
  /** The -n flag as given ("" when absent). */
  readonly namespace: string;
  /** upstream's NamespaceOrDefault: `namespace` unless empty, else the kubeconfig default. */
  namespaceOrDefault(namespace: string): string;
  readonly istioNamespace: string;
  /** Throws when the kubeconfig cannot be used; commands wrap the message as upstream does. */
  kubeClient(): KubeClient;
  readonly clock: Clock;
}

export function createContext(
  flags: Flags,
  environment: CliEnvironment,
  factory: KubeClientFactory,
  clock: Clock,
): CliContext {
  const location: KubeconfigLocation = {
    explicitPath: flags.string('kubeconfig'),
    envPaths: environment.kubeconfigPaths,
    homePath: environment.homeKubeconfig,
    inCluster: environment.inCluster,
  };
  const context = flags.string('context');
  let fallbackNamespace: string | undefined;
  let client: KubeClient | undefined;
  return {
    namespace: flags.string('namespace'),
    namespaceOrDefault(namespace) {
      if (namespace !== '') return namespace;
      fallbackNamespace ??= defaultNamespace(location, context);
      return fallbackNamespace;
    },
    istioNamespace: flags.string('istioNamespace'),
    kubeClient() {
      client ??= factory({
        location,
        context,
        timeoutMs: kubeTimeoutMs(flags.string('kubeclient-timeout')),
        impersonate: {
          user: flags.string('as'),
          uid: flags.string('as-uid'),
          groups: flags.stringArray('as-group'),
        },
      });
      return client;
    },
    clock,
  };
}

/** --kubeclient-timeout is a string flag holding a Go duration; empty means 15s. */
function kubeTimeoutMs(value: string): number {
  if (value === '') return 15_000;
  return parseGoDuration(value) / 1e6;
}
