// The WaypointListener resources istiod sent us, compiled. A response is
// applied all or nothing: one listener the executor cannot run exactly (an
// unknown feature, enum, retry token, condition key, a bad regex) rejects the
// whole response, which NACKs it, and the previous listeners stay in force —
// never a partially applied or silently widened config.

import { waypointListenerName, type ResourceUpdate, type waypoint } from '@ambient-ts/xds-types';
import { compileListener, type CompiledListener } from '../l7/index.js';

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

  /** Applies one xDS response; throws (→ NACK) without changing anything if a listener is rejected. */
  apply(update: ResourceUpdate<waypoint.WaypointListener>): void {
    const compiled = update.added.map((r) => compileListener(r.name, r.message));
    const next = new Map(this.#byName);
    for (const name of update.removed) next.delete(name);
    for (const l of compiled) next.set(l.name, l);
    this.#byName = next;
    const changed = [...update.removed, ...compiled.map((l) => l.name)];
    for (const f of this.#listeners) f(changed);
  }

  onChange(f: (names: readonly string[]) => void): () => void {
    this.#listeners.add(f);
    return () => this.#listeners.delete(f);
  }
}
