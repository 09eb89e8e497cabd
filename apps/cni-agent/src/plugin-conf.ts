// Our plugin's entry in the node's conflist: written by the agent, read back by the plugin
// from its stdin on every ADD. Field names are upstream's istio-cni ones.
import { parseEnablementSelectors, type EnablementSelector } from './enablement.js';
import { ISTIO_CNI_PLUGIN_TYPE, type JsonObject } from './cni-install/conflist.js';
import { PluginEventError } from './errors.js';

export interface PluginSettings {
  /** Where the agent's plugin event socket lives (`/var/run/istio-cni`). */
  readonly cniAgentRunDir: string;
  readonly pluginLogLevel: string;
  readonly ambientEnabled: boolean;
  readonly enablementSelectors: readonly EnablementSelector[];
  readonly excludeNamespaces: readonly string[];
  /** The namespace the agent runs in (istio-system). */
  readonly podNamespace: string;
  /** Host path of the kubeconfig the plugin reads pods with. */
  readonly kubeconfig: string;
  /** Host path of the CNI bin dir. */
  readonly cniBinDir: string;
}

export function buildPluginEntry(s: PluginSettings): JsonObject {
  return {
    name: 'istio-cni',
    type: ISTIO_CNI_PLUGIN_TYPE,
    plugin_log_level: s.pluginLogLevel,
    cni_agent_run_dir: s.cniAgentRunDir,
    ambient_enabled: s.ambientEnabled,
    enablement_selectors: s.enablementSelectors,
    exclude_namespaces: s.excludeNamespaces,
    pod_namespace: s.podNamespace,
    native_nftables: false,
    kubernetes: {
      kubeconfig: s.kubeconfig,
      cni_bin_dir: s.cniBinDir,
      exclude_namespaces: s.excludeNamespaces,
    },
    dns: {},
    ipam: {},
  };
}

/** Reads our settings back from the plugin's stdin config (which carries prevResult too). */
export function parsePluginSettings(conf: JsonObject): PluginSettings {
  const bad = (field: string, what: string): never => {
    throw new PluginEventError(
      `istio-cni plugin config: "${field}" ${what}; reinstall the istio-cni agent`,
    );
  };
  const str = (v: unknown, field: string): string =>
    typeof v === 'string' && v !== '' ? v : bad(field, 'must be a non-empty string');
  const k8s = (conf.kubernetes ?? {}) as JsonObject;
  const excludes = conf.exclude_namespaces ?? k8s.exclude_namespaces ?? [];
  if (!Array.isArray(excludes) || !excludes.every((x) => typeof x === 'string')) {
    bad('exclude_namespaces', 'must be a list of namespace names');
  }
  return {
    cniAgentRunDir: str(conf.cni_agent_run_dir, 'cni_agent_run_dir'),
    pluginLogLevel: typeof conf.plugin_log_level === 'string' ? conf.plugin_log_level : 'info',
    ambientEnabled: conf.ambient_enabled === true,
    enablementSelectors: parseEnablementSelectors(
      conf.enablement_selectors ?? [],
      'enablement_selectors',
    ),
    excludeNamespaces: excludes as string[],
    podNamespace: str(conf.pod_namespace, 'pod_namespace'),
    kubeconfig: str(k8s.kubeconfig, 'kubernetes.kubeconfig'),
    cniBinDir: typeof k8s.cni_bin_dir === 'string' ? k8s.cni_bin_dir : '/opt/cni/bin',
  };
}
