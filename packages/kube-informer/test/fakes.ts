// Fakes for the informer tests: a scriptable ListWatch and a manual clock.
import type { KubernetesListObject } from '@kubernetes/client-node';
import type { ListWatchArgs, ListWatchLike } from '../src/list-watch.js';
import type { Timers } from '../src/timers.js';

type Verb = 'add' | 'update' | 'delete';

/** Behaves like client-node's ListWatch: start() lists then "watches"; failures go to 'error'. */
export class FakeListWatch implements ListWatchLike<Obj> {
  starts = 0;
  lists = 0;
  stops = 0;
  /** Cleared by a 410 Gone, as client-node does, to force a relist. */
  resourceVersion = '';
  /** Set while a watch is open (between a successful start and an error or stop). */
  watching = false;
  private readonly objects = new Map<string, Obj>();
  private readonly callbacks = {
    add: [] as ((obj: Obj) => void)[],
    update: [] as ((obj: Obj) => void)[],
    delete: [] as ((obj: Obj) => void)[],
    error: [] as ((err: unknown) => void)[],
  };

  constructor(readonly args: ListWatchArgs<Obj>) {}

  async start(): Promise<void> {
    this.starts++;
    // As client-node: a resourceVersion held from an earlier list resumes the watch there.
    if (!this.resourceVersion) {
      let list: KubernetesListObject<Obj>;
      try {
        list = await this.args.list();
      } catch (err) {
        this.fail(err);
        return;
      }
      this.relisted(list);
      this.lists++;
    }
    this.watching = true;
  }

  private relisted(list: KubernetesListObject<Obj>): void {
    for (const obj of list.items) {
      const known = this.objects.get(name(obj));
      // As client-node: an object the relist returns unchanged raises no event.
      if (known && known.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue;
      this.event(known ? 'update' : 'add', obj);
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
  }

  stop(): Promise<void> {
    this.stops++;
    this.watching = false;
    return Promise.resolve();
  }

  list(): Obj[] {
    return [...this.objects.values()];
  }

  get(n: string): Obj | undefined {
    return this.objects.get(n);
  }

  on(verb: Verb, cb: (obj: Obj) => void): void;
  on(verb: 'error', cb: (err: unknown) => void): void;
  on(verb: Verb | 'error', cb: ((obj: Obj) => void) | ((err: unknown) => void)): void {
    if (verb === 'error') this.callbacks.error.push(cb as (err: unknown) => void);
    else this.callbacks[verb].push(cb);
  }

  /** A watch event. */
  event(verb: Verb, obj: Obj): void {
    if (verb === 'delete') this.objects.delete(name(obj));
    else this.objects.set(name(obj), obj);
    for (const cb of this.callbacks[verb]) cb(obj);
  }

  /** The watch (or list) failed: client-node reports it and stops for good. */
  fail(err: unknown): void {
    this.watching = false;
    for (const cb of this.callbacks.error) cb(err);
  }
}

/** A plain object as a watch delivers it (client-node's model classes are only types). */
export interface Obj {
  readonly metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export function ns(n: string, resourceVersion = '1'): Obj {
  return { metadata: { name: n, resourceVersion } };
}

export function nsList(...items: Obj[]): KubernetesListObject<Obj> {
  return {
    apiVersion: 'v1',
    kind: 'NamespaceList',
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- plain JSON, as the apiserver sends it
    metadata: { resourceVersion: '1' },
    items,
  };
}

function name(obj: Obj): string {
  return obj.metadata?.name ?? '';
}

/** An error as client-node's list calls raise it (ApiException carries `code`). */
export function apiError(code: number): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}`), { code });
}

export class ManualTimers implements Timers {
  private clock = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  /** Every delay ever asked for, in order. */
  readonly delays: number[] = [];

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.delays.push(ms);
    this.pending.set(id, { at: this.clock + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  now(): number {
    return this.clock;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Moves the clock forward, running the timers that come due, then lets promises settle. */
  async advance(ms: number): Promise<void> {
    this.clock += ms;
    for (const [id, t] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at > this.clock) continue;
      this.pending.delete(id);
      t.fn();
    }
    await settle();
  }

  /** Runs the next timer, whenever it is due. */
  async fireNext(): Promise<void> {
    const next = [...this.pending.values()].sort((a, b) => a.at - b.at)[0];
    if (!next) throw new Error('no timer pending');
    await this.advance(next.at - this.clock);
  }
}

/** Lets pending promise callbacks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
