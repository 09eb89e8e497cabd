import { KubeConfig, type KubernetesListObject } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import {
  apiError,
  FakeListWatch,
  ManualTimers,
  ns,
  nsList,
  settle,
  type Obj,
} from '../test/fakes.js';
import { InformerStoppedError } from './errors.js';
import { startInformer, type InformerOptions } from './informer.js';

function setup(
  list: () => Promise<KubernetesListObject<Obj>>,
  extra: Partial<InformerOptions<Obj>> = {},
) {
  const ac = new AbortController();
  const timers = new ManualTimers();
  const log = { warn: vi.fn(), error: vi.fn() };
  const upserted: string[] = [];
  const removed: string[] = [];
  let lw: FakeListWatch | undefined;
  const informer = startInformer<Obj>(
    {
      kc: new KubeConfig(),
      path: '/api/v1/namespaces',
      list,
      handlers: {
        upsert: (o) => upserted.push(o.metadata?.name ?? ''),
        remove: (o) => removed.push(o.metadata?.name ?? ''),
      },
      log,
      what: 'namespaces',
      signal: ac.signal,
      ...extra,
    },
    {
      timers,
      listWatch: (args) => (lw = new FakeListWatch(args)),
    },
  );
  return { ac, timers, log, upserted, removed, informer, lw: () => lw! };
}

function state(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let s: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (s = 'resolved'),
    () => (s = 'rejected'),
  );
  return settle().then(() => s);
}

const failing = () => Promise.reject(apiError(500));

describe('restarting a list-watch that client-node gave up on', () => {
  it('restarts after a failed list, backing off from 1 s doubling to 30 s', async () => {
    const t = setup(failing);
    await settle();
    expect(t.lw().starts).toBe(1);
    for (let i = 0; i < 7; i++) await t.timers.fireNext();
    expect(t.lw().starts).toBe(8);
    expect(t.timers.delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(t.log.warn).toHaveBeenLastCalledWith(
      { informer: 'namespaces', err: 'HTTP-Code: 500', retryMs: 30000 },
      'list/watch failed; restarting',
    );
  });

  it('does not restart before the back-off has elapsed', async () => {
    const t = setup(failing);
    await settle();
    await t.timers.advance(999);
    expect(t.lw().starts).toBe(1);
    await t.timers.advance(1);
    expect(t.lw().starts).toBe(2);
  });

  it('restarts after a watch error, resuming the watch, and keeps serving the cache meanwhile', async () => {
    const t = setup(() => Promise.resolve(nsList(ns('a'))));
    await t.informer.synced;
    t.lw().fail(Object.assign(new Error('Internal Server Error'), { statusCode: 500 }));
    expect(t.lw().watching).toBe(false);
    expect(t.informer.get('a')).toBeDefined();
    await t.timers.fireNext();
    expect(t.lw().starts).toBe(2);
    expect(t.lw().watching).toBe(true);
    t.lw().event('add', ns('b'));
    expect(t.informer.list().map((o) => o.metadata?.name)).toEqual(['a', 'b']);
    expect(t.upserted).toEqual(['a', 'b']);
  });

  it('re-lists on restart when the watch position is gone, raising events only for changes', async () => {
    let items = [ns('a'), ns('b')];
    const t = setup(() => Promise.resolve(nsList(...items)));
    await t.informer.synced;
    t.lw().resourceVersion = '';
    t.lw().fail(apiError(500));
    items = [ns('a'), ns('b', '2'), ns('c')];
    await t.timers.fireNext();
    expect(t.lw().lists).toBe(2);
    expect(t.upserted).toEqual(['a', 'b', 'b', 'c']);
  });

  it('backs off further when the watch fails right after each successful list', async () => {
    const t = setup(() => Promise.resolve(nsList(ns('a'))));
    await settle();
    for (let i = 0; i < 3; i++) {
      t.lw().fail(apiError(500));
      await t.timers.fireNext();
    }
    expect(t.timers.delays).toEqual([1000, 2000, 4000]);
  });

  it('starts over at 1 s once a watch has run for 30 s', async () => {
    const t = setup(() => Promise.resolve(nsList(ns('a'))));
    await settle();
    t.lw().fail(apiError(500));
    await t.timers.fireNext();
    t.lw().fail(apiError(500));
    await t.timers.fireNext();
    await t.timers.advance(29_999);
    t.lw().fail(apiError(500));
    await t.timers.fireNext();
    await t.timers.advance(30_000);
    t.lw().fail(apiError(500));
    expect(t.timers.delays).toEqual([1000, 2000, 4000, 1000]);
  });

  it('asks once for one restart when a failure is reported twice', async () => {
    const t = setup(() => Promise.resolve(nsList(ns('a'))));
    await settle();
    t.lw().fail(apiError(500));
    t.lw().fail(apiError(500));
    expect(t.timers.pendingCount).toBe(1);
  });

  it('logs a 403 as an error that says which RBAC to check', async () => {
    const t = setup(() => Promise.reject(apiError(403)), {
      rbacHint: 'check the istio-cni ClusterRole and its binding',
    });
    await settle();
    expect(t.log.warn).not.toHaveBeenCalled();
    expect(t.log.error).toHaveBeenCalledWith(
      { informer: 'namespaces', err: 'HTTP-Code: 403', retryMs: 1000 },
      'forbidden to list/watch namespaces: check the istio-cni ClusterRole and its binding',
    );
  });

  it('recognises a 403 from the watch (statusCode) and has a default hint', async () => {
    const t = setup(() => Promise.resolve(nsList()));
    await settle();
    t.lw().fail(Object.assign(new Error('Forbidden'), { statusCode: 403 }));
    expect(t.log.error).toHaveBeenCalledWith(
      expect.anything(),
      "forbidden to list/watch namespaces: grant this component's identity list and watch on namespaces (RBAC)",
    );
  });
});

describe('synced', () => {
  it('resolves after the first complete list, with the cache filled', async () => {
    const t = setup(() => Promise.resolve(nsList(ns('a'), ns('b'))));
    await t.informer.synced;
    expect(t.informer.list()).toHaveLength(2);
    expect(t.informer.get('b')?.metadata?.name).toBe('b');
  });

  it('stays pending while the list fails, and resolves once a restart lists', async () => {
    let fail = true;
    const t = setup(() => (fail ? failing() : Promise.resolve(nsList(ns('a')))));
    expect(await state(t.informer.synced)).toBe('pending');
    fail = false;
    await t.timers.fireNext();
    expect(await state(t.informer.synced)).toBe('resolved');
    expect(t.informer.get('a')).toBeDefined();
  });

  it('rejects with InformerStoppedError when aborted before the first list', async () => {
    const t = setup(failing);
    await settle();
    t.ac.abort();
    await expect(t.informer.synced).rejects.toBeInstanceOf(InformerStoppedError);
    await expect(t.informer.synced).rejects.toThrow(
      'the namespaces informer was stopped before its first list completed',
    );
  });
});

describe('stopping on abort', () => {
  it('cancels a pending restart and stops the ListWatch', async () => {
    const t = setup(failing);
    await settle();
    expect(t.timers.pendingCount).toBe(1);
    t.ac.abort();
    expect(t.timers.pendingCount).toBe(0);
    expect(t.lw().stops).toBe(1);
    await t.timers.advance(60_000);
    expect(t.lw().starts).toBe(1);
  });

  it('ignores the error client-node reports for the watch it aborts', async () => {
    const t = setup(() => Promise.resolve(nsList(ns('a'))));
    await t.informer.synced;
    t.ac.abort();
    t.lw().fail(new Error('The operation was aborted.'));
    expect(t.timers.pendingCount).toBe(0);
    expect(t.log.warn).not.toHaveBeenCalled();
  });

  it('stops the watch that a list in flight at abort goes on to open', async () => {
    let answer: (l: KubernetesListObject<Obj>) => void = () => undefined;
    const t = setup(() => new Promise((resolve) => (answer = resolve)));
    await settle();
    t.ac.abort();
    answer(nsList(ns('a')));
    await settle();
    expect(t.lw().stops).toBe(2);
  });

  it('never starts when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const t = setup(() => Promise.resolve(nsList()), { signal: ac.signal });
    await settle();
    expect(t.lw().starts).toBe(0);
    await expect(t.informer.synced).rejects.toBeInstanceOf(InformerStoppedError);
  });
});

describe('handlers', () => {
  it('get adds and updates as upsert, deletions as remove', async () => {
    const t = setup(() => Promise.resolve(nsList(ns('a'))));
    await t.informer.synced;
    t.lw().event('update', ns('a', '2'));
    t.lw().event('delete', ns('a', '2'));
    expect(t.upserted).toEqual(['a', 'a']);
    expect(t.removed).toEqual(['a']);
  });

  it('a throwing handler is logged and neither restarts the informer nor loses the object', async () => {
    const t = setup(() => Promise.resolve(nsList(ns('a'))), {
      handlers: {
        upsert: () => {
          throw new Error('boom');
        },
        remove: () => undefined,
      },
    });
    await t.informer.synced;
    expect(t.log.error).toHaveBeenCalledWith(
      { informer: 'namespaces', object: '/a', err: 'boom' },
      'the upsert handler threw; the event is dropped',
    );
    expect(t.timers.pendingCount).toBe(0);
    expect(t.informer.get('a')).toBeDefined();
  });
});
