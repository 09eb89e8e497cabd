// The chained `istio-cni` CNI plugin's logic (the executable is plugin/main.ts). On ADD it
// decides, as upstream's plugin does, whether the pod is ambient (excluded namespaces first,
// without the API; then the pod and its namespace read with the plugin kubeconfig and the
// enablement selectors), and for an ambient pod posts the event to the node agent and waits
// until the pod is captured and acknowledged by ztunnel. The previous result passes through.
// DEL and CHECK have nothing to do: the agent sees deletions through its informer.
import { ambientEnablement, type EnablementPolicy, type PodFacts } from '../enablement.js';
import type { JsonObject } from '../cni-install/conflist.js';
import type { Labels } from '../label-selector.js';
import { parsePluginSettings, type PluginSettings } from '../plugin-conf.js';
import { encodeCmdAddEvent, ipConfigsFromResult } from '../plugin-event.js';

export const SUPPORTED_CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

/** A CNI error result ({code, msg, details}); code 999 is upstream's generic plugin failure. */
export class CniPluginError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
    readonly details = '',
  ) {
    super(details ? `${msg}: ${details}` : msg);
  }
}

export interface CniEnv {
  /** The executable's own path as the runtime ran it (see nodeRootOf). */
  readonly self?: string;
  readonly command: string;
  readonly containerId: string;
  readonly netns: string;
  readonly args: Readonly<Record<string, string>>;
}

export interface PluginDeps {
  readPod(settings: PluginSettings, namespace: string, name: string): Promise<PodFacts | undefined>;
  readNamespaceLabels(settings: PluginSettings, namespace: string): Promise<Labels>;
  /** POST /cmdadd on the agent socket; resolves with the HTTP status and body. */
  postCmdAdd(socketPath: string, body: string): Promise<{ status: number; body: string }>;
}

/** CNI_ARGS: `K=V;K=V`. */
export function parseCniArgs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * The node's root as this plugin sees it: '' on a real node, where the plugin runs from
 * /opt/cni/bin; a directory when the node's host paths live under one (the local cluster's
 * nodes), recognised because the plugin runs from <root>/opt/cni/bin. Host paths in the
 * plugin configuration (the agent socket dir, the kubeconfig) are then read under it.
 */
export function nodeRootOf(self: string | undefined, cniBinDir: string): string {
  if (!self) return '';
  const dir = self.slice(0, Math.max(0, self.lastIndexOf('/')));
  const bin = cniBinDir.replace(/\/+$/, '');
  return dir.endsWith(bin) ? dir.slice(0, dir.length - bin.length) : '';
}

/** What to print on stdout for a command; undefined prints nothing. */
export async function runPlugin(env: CniEnv, stdin: string, deps: PluginDeps): Promise<unknown> {
  if (env.command === 'VERSION') {
    return { cniVersion: '1.0.0', supportedVersions: SUPPORTED_CNI_VERSIONS };
  }
  let conf: JsonObject;
  try {
    conf = JSON.parse(stdin) as JsonObject;
  } catch {
    throw new CniPluginError(6, 'istio-cni: the network configuration on stdin is not JSON');
  }
  if (
    env.command === 'DEL' ||
    env.command === 'CHECK' ||
    env.command === 'GC' ||
    env.command === 'STATUS'
  ) {
    return undefined;
  }
  if (env.command !== 'ADD')
    throw new CniPluginError(4, `istio-cni: unknown CNI_COMMAND ${env.command}`);
  return cmdAdd(env, conf, deps);
}

async function cmdAdd(env: CniEnv, conf: JsonObject, deps: PluginDeps): Promise<unknown> {
  const prevResult = conf.prevResult;
  if (prevResult === undefined) {
    throw new CniPluginError(999, 'istio-cni: must be called as a chained plugin (no prevResult)');
  }
  const passthrough = prevResult;
  let settings: PluginSettings;
  try {
    settings = parsePluginSettings(conf);
  } catch (err) {
    throw new CniPluginError(7, 'istio-cni: invalid plugin configuration', (err as Error).message);
  }
  const root = nodeRootOf(env.self, settings.cniBinDir);
  if (root !== '') {
    settings = {
      ...settings,
      cniAgentRunDir: root + settings.cniAgentRunDir,
      kubeconfig: root + settings.kubeconfig,
    };
  }
  const namespace = env.args.K8S_POD_NAMESPACE ?? '';
  const name = env.args.K8S_POD_NAME ?? '';
  // Not a Kubernetes pod, ambient off, or an excluded namespace: decided without the API.
  if (!settings.ambientEnabled || namespace === '' || name === '') return passthrough;
  if (settings.excludeNamespaces.includes(namespace)) return passthrough;

  let pod: PodFacts | undefined;
  let nsLabels: Labels;
  try {
    pod = await deps.readPod(settings, namespace, name);
    nsLabels = await deps.readNamespaceLabels(settings, namespace);
  } catch (err) {
    throw new CniPluginError(
      999,
      `istio-cni cmdAdd failed to read pod ${namespace}/${name}`,
      (err as Error).message,
    );
  }
  if (pod === undefined) {
    throw new CniPluginError(999, `istio-cni cmdAdd: pod ${namespace}/${name} not found`);
  }
  const policy: EnablementPolicy = {
    selectors: settings.enablementSelectors,
    excludeNamespaces: new Set(settings.excludeNamespaces),
    systemNamespace: settings.podNamespace,
  };
  if (!ambientEnablement(pod, nsLabels, policy).enabled) return passthrough;

  const body = encodeCmdAddEvent({
    netns: env.netns,
    podName: name,
    podNamespace: namespace,
    ips: ipConfigsFromResult(prevResult),
  });
  const socket = `${settings.cniAgentRunDir.replace(/\/$/, '')}/pluginevent.sock`;
  let reply: { status: number; body: string };
  try {
    reply = await deps.postCmdAdd(socket, body);
  } catch (err) {
    throw new CniPluginError(
      999,
      'istio-cni cmdAdd failed to contact node Istio CNI agent',
      (err as Error).message,
    );
  }
  if (reply.status !== 200) {
    throw new CniPluginError(
      999,
      'istio-cni cmdAdd failed to contact node Istio CNI agent',
      `${reply.status}: ${reply.body.trim()}`,
    );
  }
  return passthrough;
}
