import type { Any } from '@bufbuild/protobuf/wkt';
import { ResourceTypeMismatchError } from '../errors.js';
import { resourceVersion } from './resource-version.js';

/** One named resource of one type, as the server sends it. */
export interface StoredResource {
  readonly name: string;
  /** Content-derived, see resourceVersion. */
  readonly version: string;
  readonly resource: Any;
  /** Other names the resource answers to (istiod's on-demand `network/ip`). */
  readonly aliases: readonly string[];
}

/** Names of one type that were set or removed in one store generation. */
export interface ResourceChange {
  readonly typeUrl: string;
  readonly names: readonly string[];
  readonly generation: number;
}

/**
 * What the delta-ADS server reads resources from. ResourceStore is the
 * in-memory implementation; istiod may adapt its own index to this.
 */
export interface ResourceSource {
  get(typeUrl: string, name: string): StoredResource | undefined;
  /** The resource that lists `alias` among its aliases, if any. */
  getByAlias(typeUrl: string, alias: string): StoredResource | undefined;
  list(typeUrl: string): Iterable<StoredResource>;
  /** Increases by one with every change; debug only. */
  generation(): number;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  listen(listener: (change: ResourceChange) => void): () => void;
}

export interface ResourceInput {
  readonly name: string;
  readonly resource: Any;
  readonly aliases?: readonly string[];
}

interface TypeTable {
  readonly byName: Map<string, StoredResource>;
  readonly byAlias: Map<string, string>;
}

/**
 * A generation-versioned, in-memory store of named resources per type URL.
 * Setting a resource to identical bytes (and aliases) is not a change, so a
 * control plane may recompute and re-set everything without causing pushes.
 */
export class ResourceStore implements ResourceSource {
  private readonly tables = new Map<string, TypeTable>();
  private readonly listeners = new Set<(change: ResourceChange) => void>();
  private currentGeneration = 0;

  get(typeUrl: string, name: string): StoredResource | undefined {
    return this.tables.get(typeUrl)?.byName.get(name);
  }

  getByAlias(typeUrl: string, alias: string): StoredResource | undefined {
    const table = this.tables.get(typeUrl);
    const name = table?.byAlias.get(alias);
    return name === undefined ? undefined : table?.byName.get(name);
  }

  list(typeUrl: string): Iterable<StoredResource> {
    return this.tables.get(typeUrl)?.byName.values() ?? [];
  }

  generation(): number {
    return this.currentGeneration;
  }

  listen(listener: (change: ResourceChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Sets one resource; returns whether anything changed. */
  set(typeUrl: string, input: ResourceInput): boolean {
    return this.update(typeUrl, { set: [input] }).length > 0;
  }

  /** Removes one resource; returns whether it existed. */
  remove(typeUrl: string, name: string): boolean {
    return this.update(typeUrl, { remove: [name] }).length > 0;
  }

  /**
   * Applies sets and removals of one type as one generation and notifies
   * listeners once. Returns the names that actually changed. Throws
   * ResourceTypeMismatchError, before changing anything, if a resource is
   * packed as another type.
   */
  update(
    typeUrl: string,
    changes: { readonly set?: Iterable<ResourceInput>; readonly remove?: Iterable<string> },
  ): readonly string[] {
    const sets = [...(changes.set ?? [])];
    for (const input of sets) {
      if (input.resource.typeUrl !== typeUrl) {
        throw new ResourceTypeMismatchError(typeUrl, input.name, input.resource.typeUrl);
      }
    }
    const table = this.table(typeUrl);
    const changed: string[] = [];
    for (const input of sets) {
      const next: StoredResource = {
        name: input.name,
        version: resourceVersion(input.resource),
        resource: input.resource,
        aliases: [...(input.aliases ?? [])],
      };
      const previous = table.byName.get(input.name);
      if (previous !== undefined && sameResource(previous, next)) continue;
      if (previous !== undefined) unindexAliases(table, previous);
      table.byName.set(input.name, next);
      for (const alias of next.aliases) table.byAlias.set(alias, input.name);
      changed.push(input.name);
    }
    for (const name of changes.remove ?? []) {
      const previous = table.byName.get(name);
      if (previous === undefined) continue;
      unindexAliases(table, previous);
      table.byName.delete(name);
      changed.push(name);
    }
    if (changed.length > 0) {
      this.currentGeneration += 1;
      const change: ResourceChange = {
        typeUrl,
        names: changed,
        generation: this.currentGeneration,
      };
      for (const listener of [...this.listeners]) listener(change);
    }
    return changed;
  }

  private table(typeUrl: string): TypeTable {
    let table = this.tables.get(typeUrl);
    if (table === undefined) {
      table = { byName: new Map(), byAlias: new Map() };
      this.tables.set(typeUrl, table);
    }
    return table;
  }
}

function sameResource(a: StoredResource, b: StoredResource): boolean {
  return (
    a.version === b.version &&
    a.aliases.length === b.aliases.length &&
    a.aliases.every((alias, i) => alias === b.aliases[i])
  );
}

function unindexAliases(table: TypeTable, resource: StoredResource): void {
  for (const alias of resource.aliases) {
    if (table.byAlias.get(alias) === resource.name) table.byAlias.delete(alias);
  }
}
