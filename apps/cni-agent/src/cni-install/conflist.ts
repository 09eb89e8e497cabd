// Pure transforms of the node's CNI network configuration: chaining our `istio-cni` plugin
// into the primary network's plugin list, and taking it out again. Unknown keys survive
// untouched, so another CNI's configuration is never damaged. Both transforms are idempotent.
import { CniConfigError } from '../errors.js';

export const ISTIO_CNI_PLUGIN_TYPE = 'istio-cni';

export type JsonObject = Record<string, unknown>;

/** The conf file a runtime uses: the first .conflist (else .conf/.json) in lexical order, as libcni picks it. */
export function pickPrimaryConfFile(fileNames: readonly string[]): string | undefined {
  const sorted = fileNames.filter((f) => !f.startsWith('.')).sort();
  return (
    sorted.find((f) => f.endsWith('.conflist')) ??
    sorted.find((f) => f.endsWith('.conf') || f.endsWith('.json'))
  );
}

/** Parses a .conf or .conflist text into a conflist object (a single-plugin .conf becomes a one-plugin list). */
export function parseNetworkConfig(text: string, file: string): JsonObject {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CniConfigError(
      `${file} is not valid JSON (${(err as Error).message}): fix or remove it`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CniConfigError(`${file} must hold a JSON object`);
  }
  const o = raw as JsonObject;
  if (Array.isArray(o.plugins)) {
    o.plugins.forEach((p: unknown, i) => {
      if (typeof p !== 'object' || p === null || typeof (p as JsonObject).type !== 'string') {
        throw new CniConfigError(`${file}: plugins[${i}] has no "type"`);
      }
    });
    return o;
  }
  if (typeof o.type === 'string') {
    // .conf → .conflist, as upstream's installer converts it: the list keeps the
    // network's name and version, the single plugin keeps everything else.
    const { cniVersion, name, ...plugin } = o;
    return {
      cniVersion: cniVersion ?? '0.3.1',
      name: name ?? 'k8s-pod-network',
      plugins: [{ ...plugin, type: o.type }],
    };
  }
  throw new CniConfigError(
    `${file} has neither "plugins" nor "type": it is not a CNI configuration`,
  );
}

function pluginsOf(conf: JsonObject): JsonObject[] {
  return Array.isArray(conf.plugins) ? (conf.plugins as JsonObject[]) : [];
}

/** Appends our plugin entry, or replaces an existing `istio-cni` entry in place. */
export function insertIstioCni(conf: JsonObject, entry: JsonObject): JsonObject {
  if (entry.type !== ISTIO_CNI_PLUGIN_TYPE) {
    throw new CniConfigError(`the plugin entry must have "type": "${ISTIO_CNI_PLUGIN_TYPE}"`);
  }
  const plugins = pluginsOf(conf);
  const at = plugins.findIndex((p) => p.type === ISTIO_CNI_PLUGIN_TYPE);
  const next =
    at < 0
      ? [...plugins, entry]
      : [
          ...plugins.slice(0, at),
          entry,
          ...plugins.slice(at + 1).filter((p) => p.type !== ISTIO_CNI_PLUGIN_TYPE),
        ];
  return { ...conf, plugins: next };
}

/** Removes every `istio-cni` entry. */
export function removeIstioCni(conf: JsonObject): JsonObject {
  return { ...conf, plugins: pluginsOf(conf).filter((p) => p.type !== ISTIO_CNI_PLUGIN_TYPE) };
}

/** The `istio-cni` entry currently in a conflist, if any. */
export function istioCniEntry(conf: JsonObject): JsonObject | undefined {
  return pluginsOf(conf).find((p) => p.type === ISTIO_CNI_PLUGIN_TYPE);
}

/** Whether the conflist already holds exactly this entry (no rewrite needed). */
export function hasEntry(conf: JsonObject, entry: JsonObject): boolean {
  const current = istioCniEntry(conf);
  return current !== undefined && canonicalJson(current) === canonicalJson(entry);
}

export function serializeConfList(conf: JsonObject): string {
  return `${JSON.stringify(conf, null, 2)}\n`;
}

/** JSON with sorted keys, to compare objects regardless of key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value as JsonObject).sort(([a], [b]) => a.localeCompare(b)),
        )
      : value,
  );
}

/** The file name a converted .conf is written back under. */
export function conflistFileName(file: string): string {
  return file.endsWith('.conflist') ? file : `${file.replace(/\.(conf|json)$/, '')}.conflist`;
}
