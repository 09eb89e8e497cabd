// The WaypointListener resources istiod sent us, compiled. A response is
// computed into a new table and swapped in once. A listener the executor
// cannot run exactly (an unknown feature, enum, retry token, condition key, a
// bad regex, bytes that do not decode) is NACKed by name and replaced by its
// fail-closed stand-in (failClosedListener: deny all) until a good version
// arrives or istiod removes it — never kept at an older version that may be
// wider than what istiod now means, never partially applied. The valid
// listeners of the same response are applied.

import {
  unpackAny,
  WAYPOINT_LISTENER_TYPE_URL,
  waypoint,
  waypointListenerName,
  type ResourceUpdate,
  type TypeSubscription,
} from '@ambient-ts/xds-types';
import type { WireResource } from '@ambient-ts/workload-state';
import { compileListener, failClosedListener, type CompiledListener } from '../l7/index.js';

export interface ListenersApplied {
  /** Names added, replaced or removed. */
  readonly changed: readonly string[];
  /** Rejected resources (each now a fail-closed stand-in), for the NACK. */
  readonly rejected: readonly { readonly name: string; readonly reason: string }[];
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ListenerTable {
  #byName = new Map<string, CompiledListener>();
  readonly #listeners = new Set<(names: readonly string[]) => void>();

  get(namespace: string, hostname: string, port: number): CompiledListener | undefined {
    return this.#byName.get(waypointListenerName({ namespace, hostname, port }));
  }

  byName(name: string): CompiledListener | undefined {
    return this.#byName.get(name);
  }

  all(): CompiledListener[] {
    return [...this.#byName.values()];
  }

  get size(): number {
    return this.#byName.size;
  }

  /** Applies one xDS response: valid listeners as sent, rejected ones as deny-all stand-ins. */
  apply(update: ResourceUpdate<WireResource<waypoint.WaypointListener>>): ListenersApplied {
    const next = new Map(this.#byName);
    for (const name of update.removed) next.delete(name);
    const rejected: { name: string; reason: string }[] = [];
    for (const r of update.added) {
      let listener: CompiledListener;
      if (!r.message.ok) {
        const reason = `rejected WaypointListener ${r.name}: ${r.message.reason}`;
        listener = failClosedListener(r.name, undefined, reason);
        rejected.push({ name: r.name, reason });
      } else {
        try {
          listener = compileListener(r.name, r.message.message);
        } catch (err) {
          const reason = messageOf(err);
          listener = failClosedListener(r.name, r.message.message, reason);
          rejected.push({ name: r.name, reason });
        }
      }
      next.set(r.name, listener);
    }
    this.#byName = next;
    const changed = [...update.removed, ...update.added.map((r) => r.name)];
    for (const f of this.#listeners) f(changed);
    return { changed, rejected };
  }

  onChange(f: (names: readonly string[]) => void): () => void {
    this.#listeners.add(f);
    return () => this.#listeners.delete(f);
  }

  /** The wildcard WaypointListener subscription feeding this table; each resource decodes on its own. */
  subscription(): TypeSubscription<WireResource<waypoint.WaypointListener>> {
    return {
      typeUrl: WAYPOINT_LISTENER_TYPE_URL,
      wildcard: true,
      names: [],
      decode(resource) {
        try {
          return { ok: true, message: unpackAny(resource, waypoint.WaypointListenerSchema) };
        } catch (err) {
          return { ok: false, reason: messageOf(err) };
        }
      },
      apply: (update) => this.apply(update),
    };
  }
}
