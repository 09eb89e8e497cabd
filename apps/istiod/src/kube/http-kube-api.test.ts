import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpKubeApi } from './http-kube-api.js';
import { KubeApiError, type WatchEvent } from './kube-api.js';
import { RESOURCES } from './resources.js';

let server: http.Server | undefined;

async function serve(handler: http.RequestListener): Promise<HttpKubeApi> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new HttpKubeApi(kc);
}

afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

describe('HttpKubeApi', () => {
  it('lists with the bearer token and stamps apiVersion/kind on items', async () => {
    let auth = '';
    let url = '';
    const api = await serve((req, res) => {
      auth = req.headers.authorization ?? '';
      url = req.url ?? '';
      res.end(
        JSON.stringify({
          metadata: { resourceVersion: '7' },
          items: [{ metadata: { name: 'a', namespace: 'n' } }],
        }),
      );
    });
    const list = await api.list(RESOURCES.configMaps, {
      namespace: 'n',
      fieldSelector: 'metadata.name=a',
    });
    expect(auth).toBe('Bearer secret-token');
    expect(url).toBe('/api/v1/namespaces/n/configmaps?fieldSelector=metadata.name%3Da');
    expect(list).toEqual({
      resourceVersion: '7',
      items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n' } }],
    });
    api.close();
  });

  it('streams watch events, and aborting the signal ends a watch whose response is still open', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(200);
      res.write(
        JSON.stringify({
          type: 'ADDED',
          object: { metadata: { name: 'a', resourceVersion: '8' } },
        }) + '\n',
      );
    });
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = api.watch(
      RESOURCES.pods,
      { resourceVersion: '7', signal: abort.signal },
      (e) => events.push(e),
    );
    for (let i = 0; i < 100 && events.length === 0; i += 1)
      await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await expect(watching).resolves.toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['ADDED']);
    api.close();
  });

  it('turns HTTP errors into KubeApiError with the Status reason', async () => {
    const api = await serve((_req, res) => {
      res.writeHead(410, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          reason: 'Expired',
          message: 'too old resource version: 1 (5)',
        }),
      );
    });
    const error = await api
      .watch(RESOURCES.pods, { resourceVersion: '1' }, () => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ statusCode: 410, reason: 'Expired', gone: true });
    api.close();
  });
});
