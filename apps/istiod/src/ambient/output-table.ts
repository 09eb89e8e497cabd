// The published resources of one xDS type, keyed by resource name, each
// produced by a source (a pod, a ServiceEntry, …). A recomputed source that
// produces identical bytes is not a change, so only names whose bytes changed
// (or vanished) are reported — that is what makes pushes deltas.

import { toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

export interface Output<T> {
  readonly name: string;
  readonly message: T;
  readonly aliases: readonly string[];
}

interface Published<T> {
  readonly output: Output<T>;
  readonly bytes: Uint8Array;
  readonly source: string;
}

export interface TableChange<T> {
  /** Added or changed, sorted by name. */
  readonly set: readonly Output<T>[];
  /** Sorted. */
  readonly removed: readonly string[];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

function sameAliases(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class OutputTable<Desc extends DescMessage> {
  private readonly bySource = new Map<string, Map<string, Output<MessageShape<Desc>>>>();
  private readonly owners = new Map<string, Set<string>>();
  private readonly published = new Map<string, Published<MessageShape<Desc>>>();
  private readonly pending = new Set<string>();
  private readonly lastReported = new Map<string, Published<MessageShape<Desc>> | undefined>();

  constructor(private readonly schema: Desc) {}

  /** Replaces everything `source` produces. */
  setSource(source: string, outputs: readonly Output<MessageShape<Desc>>[]): void {
    const previous = this.bySource.get(source) ?? new Map<string, Output<MessageShape<Desc>>>();
    const next = new Map(outputs.map((o) => [o.name, o]));
    if (next.size === 0) this.bySource.delete(source);
    else this.bySource.set(source, next);
    for (const name of new Set([...previous.keys(), ...next.keys()])) {
      let owners = this.owners.get(name);
      if (next.has(name)) {
        if (!owners) {
          owners = new Set();
          this.owners.set(name, owners);
        }
        owners.add(source);
      } else if (owners) {
        owners.delete(source);
        if (owners.size === 0) this.owners.delete(name);
      }
      this.republish(name);
    }
  }

  get(name: string): Output<MessageShape<Desc>> | undefined {
    return this.published.get(name)?.output;
  }

  /** The source that produced the published version of `name`. */
  sourceOf(name: string): string | undefined {
    return this.published.get(name)?.source;
  }

  names(): IterableIterator<string> {
    return this.published.keys();
  }

  values(): Output<MessageShape<Desc>>[] {
    return [...this.published.values()].map((p) => p.output);
  }

  /** What changed since the last call, compared by bytes and aliases. */
  collect(): TableChange<MessageShape<Desc>> {
    const set: Output<MessageShape<Desc>>[] = [];
    const removed: string[] = [];
    for (const name of [...this.pending].sort()) {
      const now = this.published.get(name);
      const before = this.lastReported.get(name);
      if (now === undefined) {
        if (before !== undefined) removed.push(name);
        this.lastReported.delete(name);
        continue;
      }
      if (
        before === undefined ||
        !sameBytes(before.bytes, now.bytes) ||
        !sameAliases(before.output.aliases, now.output.aliases)
      ) {
        set.push(now.output);
      }
      this.lastReported.set(name, now);
    }
    this.pending.clear();
    return { set, removed };
  }

  private republish(name: string): void {
    const owners = this.owners.get(name);
    this.pending.add(name);
    if (!owners || owners.size === 0) {
      this.published.delete(name);
      return;
    }
    // Two sources claiming one name (e.g. two ServiceEntries for one host):
    // the first in source order wins, deterministically.
    const source = [...owners].sort()[0] ?? '';
    const output = this.bySource.get(source)?.get(name);
    if (!output) return;
    this.published.set(name, {
      output,
      bytes: toBinary(this.schema, output.message),
      source,
    });
  }
}
