// Header modifiers, applied the way istio configures Envoy: `remove` first,
// then `set` (replace every value), then `add` (append). Inputs are never
// mutated; names are compared lower-case.

import type { waypoint } from '@ambient-ts/xds-types';
import type { OutgoingHeaders } from './types.js';

type HeaderInput = Readonly<Record<string, string | readonly string[]>>;

/** Lower-cased names; values of names that differ only in case are merged. */
function toMap(headers: HeaderInput): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    const list = map.get(name) ?? [];
    list.push(...(typeof value === 'string' ? [value] : value));
    map.set(name, list);
  }
  return map;
}

function toHeaders(map: ReadonlyMap<string, readonly string[]>): OutgoingHeaders {
  const out: OutgoingHeaders = {};
  for (const [name, values] of map) {
    const [only, ...more] = values;
    if (only !== undefined) out[name] = more.length === 0 ? only : [only, ...more];
  }
  return out;
}

function applyInPlace(mod: waypoint.HeaderModifier, map: Map<string, string[]>): void {
  for (const name of mod.remove) map.delete(name);
  for (const h of mod.set) map.set(h.name, [h.value]);
  for (const h of mod.add) map.set(h.name, [...(map.get(h.name) ?? []), h.value]);
}

/** Applies modifiers in order to a copy of `headers`. */
export function applyHeaderModifiers(
  mods: readonly (waypoint.HeaderModifier | undefined)[],
  headers: HeaderInput,
): OutgoingHeaders {
  const map = toMap(headers);
  for (const mod of mods) if (mod) applyInPlace(mod, map);
  return toHeaders(map);
}

/**
 * The request headers as they go upstream before modifiers. `host` is left
 * out: the plan's `authority` (after rewrite) is what the I/O layer sends.
 */
export function forwardedRequestHeaders(headers: HeaderInput): OutgoingHeaders {
  const map = toMap(headers);
  map.delete('host');
  return toHeaders(map);
}

/** Applies a forward plan's responseModifiers, in order, to the backend's response headers. */
export function applyResponseModifiers(
  mods: readonly waypoint.HeaderModifier[],
  headers: OutgoingHeaders,
): OutgoingHeaders {
  return applyHeaderModifiers(mods, headers);
}
