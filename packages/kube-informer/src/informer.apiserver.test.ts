// The informer around client-node's real ListWatch, against a scripted apiserver on
// loopback: checks what the fakes assume (a non-410 watch error ends client-node's
// ListWatch; a 403 list is an ApiException with `code`) and that the restart recovers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig, type V1Namespace } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startInformer } from './informer.js';
import type { Timers } from './timers.js';

type WatchReply = 'fail' | { readonly events: readonly object[] };

interface FakeApiserver {
  readonly kc: KubeConfig;
  readonly requests: string[];
  /** Resolves when an open watch is closed by the client. */
  readonly watchClosed: Promise<void>;
  close(): Promise<void>;
}

async function fakeApiserver(opts: {
  readonly listStatus?: number;
  readonly items: () => readonly object[];
  readonly watches: WatchReply[];
}): Promise<FakeApiserver> {
  const requests: string[] = [];
  let onWatchClosed: () => void = () => undefined;
  const watchClosed = new Promise<void>((resolve) => (onWatchClosed = resolve));
  const json = (res: ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const watch = url.searchParams.get('watch') === 'true';
    requests.push(watch ? `watch@${url.searchParams.get('resourceVersion') ?? ''}` : 'list');
    if (!watch && opts.listStatus) {
      json(res, opts.listStatus, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Forbidden',
        code: opts.listStatus,
      });
      return;
    }
    if (!watch) {
      json(res, 200, {
        kind: 'NamespaceList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '10' },
        items: opts.items(),
      });
      return;
    }
    const reply = opts.watches.shift() ?? { events: [] };
    if (reply === 'fail') {
      json(res, 500, { kind: 'Status', code: 500 });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    for (const e of reply.events) res.write(JSON.stringify(e) + '\n');
    res.on('close', onWatchClosed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return {
    kc,
    requests,
    watchClosed,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** Real timers a hundred times faster, remembering the delays asked for. */
function fastTimers(): Timers & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    setTimeout: (fn, ms) => {
      delays.push(ms);
      return setTimeout(fn, ms / 100);
    },
    clearTimeout: (h) => {
      clearTimeout(h as NodeJS.Timeout);
    },
    now: () => Date.now(),
  };
}

const ns = (name: string, rv: string): object => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, resourceVersion: rv },
});

describe('against an apiserver', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('recovers from a failed watch by watching again from where it was, and closes the watch on abort', async () => {
    const api = await fakeApiserver({
      items: () => [ns('a', '5')],
      watches: ['fail', { events: [{ type: 'ADDED', object: ns('b', '11') }] }],
    });
    cleanups.push(() => api.close());
    const ac = new AbortController();
    cleanups.push(() => {
      ac.abort();
    });
    const timers = fastTimers();
    const log = { warn: vi.fn(), error: vi.fn() };
    const upserted: string[] = [];
    const core = api.kc.makeApiClient(CoreV1Api);
    const informer = startInformer<V1Namespace>(
      {
        kc: api.kc,
        path: '/api/v1/namespaces',
        list: () => core.listNamespace(),
        handlers: { upsert: (o) => upserted.push(o.metadata?.name ?? ''), remove: () => undefined },
        log,
        what: 'namespaces',
        signal: ac.signal,
      },
      { timers },
    );
    await informer.synced;
    expect(informer.get('a')).toBeDefined();
    await vi.waitFor(() => {
      expect(upserted).toEqual(['a', 'b']);
    });
    expect(api.requests).toEqual(['list', 'watch@10', 'watch@10']);
    expect(timers.delays).toEqual([1000]);
    expect(log.warn).toHaveBeenCalledWith(
      { informer: 'namespaces', err: 'Internal Server Error', retryMs: 1000 },
      'list/watch failed; restarting',
    );
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['a', 'b']);

    ac.abort();
    await api.watchClosed;
    await new Promise((r) => setTimeout(r, 50));
    expect(api.requests).toHaveLength(3);
    expect(timers.delays).toEqual([1000]);
  });

  it('reports a forbidden list with the RBAC hint and keeps retrying', async () => {
    const api = await fakeApiserver({ listStatus: 403, items: () => [], watches: [] });
    cleanups.push(() => api.close());
    const ac = new AbortController();
    cleanups.push(() => {
      ac.abort();
    });
    const log = { warn: vi.fn(), error: vi.fn() };
    const core = api.kc.makeApiClient(CoreV1Api);
    const timers = fastTimers();
    startInformer<V1Namespace>(
      {
        kc: api.kc,
        path: '/api/v1/namespaces',
        list: () => core.listNamespace(),
        handlers: { upsert: () => undefined, remove: () => undefined },
        log,
        what: 'namespaces',
        rbacHint: 'check the ClusterRole',
        signal: ac.signal,
      },
      { timers },
    );
    // fastTimers fire at once, so under load more retries may have run by the
    // time waitFor looks: at least three, every one a list, with growing delays.
    await vi.waitFor(() => {
      expect(api.requests.length).toBeGreaterThanOrEqual(3);
    });
    expect(new Set(api.requests)).toEqual(new Set(['list']));
    expect(timers.delays.slice(0, 2)).toEqual([1000, 2000]);
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ informer: 'namespaces', retryMs: 1000 }),
      'forbidden to list/watch namespaces: check the ClusterRole',
    );
    expect(log.warn).not.toHaveBeenCalled();
  });
});
