// An in-memory cache of one resource type, keyed `namespace/name`, with
// secondary indexes and change events. Informers write it; the ambient index,
// the CA and the controllers read it. Pure: unit tests fill it by hand.

import { objectKey, type KubeObject } from './objects.js';

export type StoreEvent<T> =
  | { readonly type: 'add'; readonly object: T }
  | { readonly type: 'update'; readonly object: T; readonly old: T }
  | { readonly type: 'delete'; readonly object: T };

/** Values an object is indexed under (e.g. its node name); [] for none. */
export type IndexFn<T> = (object: T) => readonly string[];

export class ObjectStore<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  private readonly indexFns = new Map<string, IndexFn<T>>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly listeners = new Set<(event: StoreEvent<T>) => void>();

  constructor(readonly kind: string) {}

  /** Adds a secondary index; existing objects are indexed at once. */
  addIndex(name: string, fn: IndexFn<T>): this {
    if (this.indexFns.has(name)) throw new Error(`index ${name} already exists on ${this.kind}`);
    this.indexFns.set(name, fn);
    this.indexes.set(name, new Map());
    for (const [key, obj] of this.objects) this.indexObject(name, key, obj);
    return this;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent<T>) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  getByName(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): IterableIterator<T> {
    return this.objects.values();
  }

  get size(): number {
    return this.objects.size;
  }

  /** Objects whose index `name` includes `value`. */
  byIndex(name: string, value: string): T[] {
    const keys = this.indexes.get(name)?.get(value);
    if (!keys) {
      if (!this.indexes.has(name)) throw new Error(`no index ${name} on ${this.kind}`);
      return [];
    }
    const out: T[] = [];
    for (const key of keys) {
      const obj = this.objects.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Inserts or replaces an object. An identical resourceVersion is not a change. */
  upsert(object: T): void {
    const key = objectKey(object);
    const old = this.objects.get(key);
    if (
      old !== undefined &&
      old.metadata.resourceVersion !== undefined &&
      old.metadata.resourceVersion === object.metadata.resourceVersion &&
      old.metadata.uid === object.metadata.uid
    ) {
      return;
    }
    if (old !== undefined) this.unindex(key, old);
    this.objects.set(key, object);
    for (const name of this.indexFns.keys()) this.indexObject(name, key, object);
    this.emit(old === undefined ? { type: 'add', object } : { type: 'update', object, old });
  }

  /** Removes the object with this key; returns whether it existed. */
  delete(key: string): boolean {
    const old = this.objects.get(key);
    if (old === undefined) return false;
    this.unindex(key, old);
    this.objects.delete(key);
    this.emit({ type: 'delete', object: old });
    return true;
  }

  /** Makes the store hold exactly `objects` (a relist), emitting the differences. */
  replace(objects: Iterable<T>): void {
    const seen = new Set<string>();
    for (const obj of objects) {
      seen.add(objectKey(obj));
      this.upsert(obj);
    }
    for (const key of [...this.objects.keys()]) if (!seen.has(key)) this.delete(key);
  }

  private indexObject(name: string, key: string, obj: T): void {
    const index = this.indexes.get(name);
    const fn = this.indexFns.get(name);
    if (!index || !fn) return;
    for (const value of fn(obj)) {
      let keys = index.get(value);
      if (!keys) {
        keys = new Set();
        index.set(value, keys);
      }
      keys.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexFns) {
      const index = this.indexes.get(name);
      if (!index) continue;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  private emit(event: StoreEvent<T>): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

/** Index function: the object's namespace. */
export const byNamespace = (obj: KubeObject): readonly string[] =>
  obj.metadata.namespace ? [obj.metadata.namespace] : [];
