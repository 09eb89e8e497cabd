// CNI configuration per the CNI spec 1.0: the node's network is the first *.conflist in the
// conf dir in lexical order; ADD runs its plugins in order, each receiving the previous
// result as prevResult; DEL runs them in reverse. A plugin inserted into the list later
// (istio-cni chains itself this way) therefore runs exactly as on a real node.
import { CniError } from './errors.js';

export interface CniPluginConf {
  readonly type: string;
  readonly [k: string]: unknown;
}

export interface CniConfList {
  readonly cniVersion: string;
  readonly name: string;
  readonly plugins: readonly CniPluginConf[];
  readonly disableCheck?: boolean;
}

export interface CniRuntime {
  readonly containerId: string;
  readonly netns: string;
  readonly ifName: string;
  /** CNI_ARGS: K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_INFRA_CONTAINER_ID, K8S_POD_UID. */
  readonly args: Readonly<Record<string, string>>;
  readonly path: readonly string[];
  /** Capability arguments (CNI conventions), given to plugins that declare the capability. */
  readonly capabilityArgs?: { readonly portMappings?: readonly PortMapping[] };
}

/** A hostPort, in the portmap plugin's runtimeConfig shape. */
export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: string;
  readonly hostIP?: string;
}

/** The conf file the runtime uses: the first .conflist (then .conf/.json, converted) in lexical order. */
export function pickConfFile(fileNames: readonly string[]): string | undefined {
  const sorted = [...fileNames].sort();
  return (
    sorted.find((f) => f.endsWith('.conflist')) ??
    sorted.find((f) => f.endsWith('.conf') || f.endsWith('.json'))
  );
}

export function parseConfList(text: string, file: string): CniConfList {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CniError('(config)', 'LOAD', `${file} is not JSON: ${(err as Error).message}`);
  }
  const o = raw as Record<string, unknown>;
  if (typeof o !== 'object' || o === null)
    throw new CniError('(config)', 'LOAD', `${file} must hold a JSON object`);
  // A single-plugin .conf becomes a one-element list, as libcni does.
  const plugins = Array.isArray(o.plugins)
    ? (o.plugins as unknown[])
    : typeof o.type === 'string'
      ? [o]
      : undefined;
  if (!plugins || plugins.length === 0)
    throw new CniError('(config)', 'LOAD', `${file} has no plugins`);
  for (const [i, p] of plugins.entries()) {
    if (typeof p !== 'object' || p === null || typeof (p as { type?: unknown }).type !== 'string')
      throw new CniError('(config)', 'LOAD', `${file}: plugins[${i}] has no "type"`);
  }
  if (typeof o.name !== 'string') throw new CniError('(config)', 'LOAD', `${file} has no "name"`);
  return {
    cniVersion: typeof o.cniVersion === 'string' ? o.cniVersion : '1.0.0',
    name: o.name,
    plugins: plugins as CniPluginConf[],
    ...(o.disableCheck === true ? { disableCheck: true } : {}),
  };
}

/**
 * The stdin config for one plugin: its own keys plus name, cniVersion, (ADD/DEL) prevResult
 * and runtimeConfig for the capabilities it declares.
 */
export function pluginStdin(
  list: CniConfList,
  plugin: CniPluginConf,
  prevResult: unknown,
  capabilityArgs: CniRuntime['capabilityArgs'] = {},
): string {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  if (prevResult !== undefined) conf.prevResult = prevResult;
  const caps = (plugin.capabilities ?? {}) as Record<string, unknown>;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(capabilityArgs))
    if (caps[k] === true && v !== undefined) runtimeConfig[k] = v;
  if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  return JSON.stringify(conf);
}

/** hostPort mappings of a pod's containers (what the portmap plugin needs). */
export function podPortMappings(
  containers: readonly {
    ports?: { containerPort: number; hostPort?: number; protocol?: string; hostIP?: string }[];
  }[],
): PortMapping[] {
  return containers.flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => p.hostPort !== undefined && p.hostPort > 0)
      .map((p) => ({
        hostPort: p.hostPort ?? 0,
        containerPort: p.containerPort,
        protocol: (p.protocol ?? 'TCP').toLowerCase(),
        ...(p.hostIP ? { hostIP: p.hostIP } : {}),
      })),
  );
}

export function cniArgsString(args: Readonly<Record<string, string>>): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}

export function pluginEnv(
  command: 'ADD' | 'DEL' | 'CHECK',
  rt: CniRuntime,
): Record<string, string> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: rt.containerId,
    CNI_NETNS: rt.netns,
    CNI_IFNAME: rt.ifName,
    CNI_ARGS: cniArgsString(rt.args),
    CNI_PATH: rt.path.join(':'),
  };
}

export interface CniIP {
  readonly address: string;
  readonly gateway?: string;
}

/** The pod's IPs from the final ADD result (addresses without prefix length). */
export function resultIPs(result: unknown): string[] {
  const ips = (result as { ips?: { address?: unknown }[] } | undefined)?.ips ?? [];
  return ips
    .map((ip) => (typeof ip.address === 'string' ? ip.address.split('/')[0] : undefined))
    .filter((a): a is string => a !== undefined && a !== '');
}

/** Parses a plugin's stdout; a CNI error object ({code,msg,details}) becomes a CniError. */
export function parsePluginOutput(
  plugin: string,
  command: string,
  stdout: string,
  exitCode: number,
  stderr: string,
): unknown {
  let parsed: unknown;
  if (stdout.trim() !== '') {
    try {
      parsed = JSON.parse(stdout);
    } catch {
      if (exitCode === 0)
        throw new CniError(plugin, command, `printed non-JSON output: ${stdout.slice(0, 200)}`);
    }
  }
  if (exitCode !== 0) {
    const e = parsed as { code?: number; msg?: string; details?: string } | undefined;
    const msg = e?.msg
      ? `${e.msg}${e.details ? `: ${e.details}` : ''}`
      : stderr.trim() || stdout.trim() || `exit code ${exitCode}`;
    throw new CniError(plugin, command, msg, e?.code);
  }
  return parsed;
}

/** The conflist this runtime writes when the conf dir has none: ptp + host-local + loopback over the node's pod CIDR. */
export function defaultConfList(
  podCidrs: readonly string[],
  ipamDataDir: string,
  mtu = 1500,
): CniConfList {
  return {
    cniVersion: '1.0.0',
    name: 'netns-kubelet',
    plugins: [
      {
        type: 'ptp',
        // No masquerade here: pod IPs must survive across nodes (the kubelet masquerades
        // only traffic leaving the cluster, in the node netns).
        ipMasq: false,
        mtu,
        ipam: {
          type: 'host-local',
          ranges: podCidrs.map((subnet) => [{ subnet }]),
          routes: [{ dst: '0.0.0.0/0' }],
          // Per node (under its node root): nodes must not share host-local's allocations.
          dataDir: ipamDataDir,
        },
      },
    ],
  };
}
