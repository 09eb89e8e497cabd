// The agent's configuration from its environment, under upstream istio-cni's variable names
// (chart ConfigMap istio-cni-config and the DaemonSet's env). The only place that reads
// process.env (ARCHITECTURE.md §5).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  DEFAULT_ENABLEMENT_SELECTORS,
  parseEnablementSelectors,
  type EnablementSelector,
} from './enablement.js';
import { ConfigError, errorMessage } from './errors.js';
import type { PluginSource } from './cni-install/installer.js';

export interface AgentConfig {
  readonly nodeName: string;
  readonly podName: string;
  /** The agent's namespace (istio-system): ztunnel's too, and where its DaemonSet lives. */
  readonly podNamespace: string;
  readonly ambientEnabled: boolean;
  readonly enablementSelectors: readonly EnablementSelector[];
  readonly excludeNamespaces: readonly string[];
  readonly dnsCapture: boolean;
  readonly ipv6: boolean;
  readonly reconcileRulesOnStart: boolean;
  /** Host paths (what goes into the conflist) and their mounts in the agent. */
  readonly cniNetDir: string;
  readonly mountedCniNetDir: string;
  readonly cniConfName: string | undefined;
  readonly cniBinDir: string;
  readonly mountedCniBinDir: string;
  /** Host path of the agent's run dir (plugin socket, plugin kubeconfig), as written into the conflist. */
  readonly cniAgentRunDir: string;
  /** Where that dir is mounted in the agent (the same path in the DaemonSet). */
  readonly mountedCniAgentRunDir: string;
  readonly ztunnelSocket: string;
  readonly hostProc: string;
  readonly hostMountsPath: string;
  readonly pluginSource: PluginSource;
  readonly pluginLogLevel: string;
  readonly readinessPort: number;
  readonly monitoringPort: number;
  readonly logLevel: string;
  /** A kubeconfig file; absent: in-cluster (service account). */
  readonly kubeconfig: string | undefined;
  /** Remove the plugin on every exit, not only when the DaemonSet is deleted. */
  readonly uninstallOnExit: boolean;
  /** SNAT kubelet probes to captured pods on the node (upstream always does; off only for tests on a shared host). */
  readonly hostProbeSnat: boolean;
  readonly daemonSetName: string;
}

const DEFAULT_EXCLUDE_NAMESPACES = 'kube-system';

function bool(env: NodeJS.ProcessEnv, name: string, dflt: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(v)}`);
}

function port(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`${name} must be a TCP port, got ${v}`);
  return n;
}

function selectors(env: NodeJS.ProcessEnv): EnablementSelector[] | readonly EnablementSelector[] {
  const text = env.AMBIENT_ENABLEMENT_SELECTOR;
  if (text === undefined || text.trim() === '') return DEFAULT_ENABLEMENT_SELECTORS;
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`AMBIENT_ENABLEMENT_SELECTOR is not YAML: ${errorMessage(err)}`);
  }
  try {
    return parseEnablementSelectors(raw, 'AMBIENT_ENABLEMENT_SELECTOR');
  } catch (err) {
    throw new ConfigError(errorMessage(err));
  }
}

/** The plugin executable: a prebuilt directory in images, else a launcher for this checkout's plugin. */
function pluginSource(env: NodeJS.ProcessEnv, execArgv: readonly string[]): PluginSource {
  const dir = env.ISTIO_CNI_PLUGIN_DIR;
  if (dir !== undefined && dir !== '') return { kind: 'copy-dir', dir };
  const here = path.dirname(fileURLToPath(import.meta.url));
  const ts = import.meta.url.endsWith('.ts');
  return {
    kind: 'launcher',
    node: process.execPath,
    // Running from sources (tsx), the plugin runs the same way.
    nodeArgs: [...execArgv],
    script: path.join(here, 'plugin', ts ? 'main.ts' : 'main.js'),
  };
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): AgentConfig {
  const nodeName = env.NODE_NAME ?? '';
  if (nodeName === '') {
    throw new ConfigError(
      'NODE_NAME is not set: the DaemonSet passes spec.nodeName through the downward API',
    );
  }
  if (!bool(env, 'CHAINED_CNI_PLUGIN', true)) {
    throw new ConfigError(
      'CHAINED_CNI_PLUGIN=false (a standalone istio-cni .conf) is not supported: ambient needs the chained plugin',
    );
  }
  const runDir = env.CNI_AGENT_RUN_DIR || '/var/run/istio-cni';
  return {
    nodeName,
    podName: env.POD_NAME ?? 'istio-cni-node',
    podNamespace: env.POD_NAMESPACE || 'istio-system',
    ambientEnabled: bool(env, 'AMBIENT_ENABLED', true),
    enablementSelectors: selectors(env),
    excludeNamespaces: (env.EXCLUDE_NAMESPACES ?? DEFAULT_EXCLUDE_NAMESPACES)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    dnsCapture: bool(env, 'AMBIENT_DNS_CAPTURE', true),
    ipv6: bool(env, 'AMBIENT_IPV6', false),
    reconcileRulesOnStart: bool(env, 'AMBIENT_RECONCILE_POD_RULES_ON_STARTUP', true),
    cniNetDir: env.CNI_NET_DIR || '/etc/cni/net.d',
    mountedCniNetDir: env.MOUNTED_CNI_NET_DIR || '/host/etc/cni/net.d',
    cniConfName: env.CNI_CONF_NAME || undefined,
    cniBinDir: env.CNI_BIN_DIR || '/opt/cni/bin',
    mountedCniBinDir: env.MOUNTED_CNI_BIN_DIR || '/host/opt/cni/bin',
    cniAgentRunDir: runDir,
    mountedCniAgentRunDir: env.MOUNTED_CNI_AGENT_RUN_DIR || runDir,
    ztunnelSocket: env.ZTUNNEL_UDS_ADDRESS || '/var/run/ztunnel/ztunnel.sock',
    hostProc: env.HOST_PROC || '/host/proc',
    hostMountsPath: env.HOST_MOUNTS_PATH ?? '/host',
    pluginSource: pluginSource(env, execArgv),
    pluginLogLevel: env.PLUGIN_LOG_LEVEL || 'info',
    readinessPort: port(env, 'READINESS_PORT', 8000),
    monitoringPort: port(env, 'MONITORING_PORT', 15014),
    logLevel: env.LOG_LEVEL || 'info',
    kubeconfig: env.KUBECONFIG || undefined,
    uninstallOnExit: bool(env, 'ISTIO_CNI_UNINSTALL_ON_EXIT', false),
    hostProbeSnat: bool(env, 'ISTIO_CNI_HOST_PROBE_SNAT', true),
    daemonSetName: env.ISTIO_CNI_DAEMONSET_NAME || 'istio-cni-node',
  };
}
