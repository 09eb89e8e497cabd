import { describe, expect, it } from 'vitest';
import type { Logger } from '../runtime/logger.js';
import { KubeApiError } from './kube-api.js';
import { ObjectStore } from './object-store.js';
import type { KubeObject } from './objects.js';
import { Reflector } from './reflector.js';
import { RESOURCES } from './resources.js';
import { FakeKubeApi } from './testing/fake-kube-api.js';

function recordingLogger(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const rec =
    (level: string) =>
    (_f: Record<string, unknown>, message: string): void => {
      lines.push({ level, message });
    };
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

const pod = (name: string, rv = '1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', resourceVersion: rv, uid: `uid-${name}` },
});

async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function setup() {
  const api = new FakeKubeApi();
  const store = new ObjectStore<KubeObject>('Pod');
  const logger = recordingLogger();
  const sleeps: number[] = [];
  const reflector = new Reflector({
    api,
    type: RESOURCES.pods,
    store,
    logger,
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
  return { api, store, logger, sleeps, reflector };
}

describe('Reflector', () => {
  it('lists, then applies watch events in order', async () => {
    const { api, store, reflector } = setup();
    api.seed(RESOURCES.pods, pod('a'));
    reflector.start();
    await reflector.whenSynced();
    expect(store.getByName('a', 'default')).toBeDefined();
    await until(() => api.watches.length === 1, 'a watch');
    api.emit('pods', { type: 'ADDED', object: pod('b', '5') });
    api.emit('pods', { type: 'DELETED', object: pod('a', '6') });
    expect([...store.list()].map((p) => p.metadata.name)).toEqual(['b']);
    await reflector.close();
  });

  it('relists after a 410 ERROR event and drops objects deleted meanwhile', async () => {
    const { api, store, reflector } = setup();
    api.seed(RESOURCES.pods, pod('a'));
    api.seed(RESOURCES.pods, pod('b'));
    reflector.start();
    await until(() => api.watches.length === 1, 'first watch');
    api.objects.get('pods')?.delete('default/a');
    api.emit('pods', {
      type: 'ERROR',
      object: { metadata: {}, code: 410, message: 'too old resource version' },
    });
    await until(() => api.watches.length === 2, 'second watch after relist');
    expect(api.listCalls).toEqual(['pods', 'pods']);
    expect([...store.list()].map((p) => p.metadata.name)).toEqual(['b']);
    await reflector.close();
  });

  it('relists when the watch itself answers HTTP 410', async () => {
    const { api, reflector } = setup();
    reflector.start();
    await until(() => api.watches.length === 1, 'first watch');
    api.lastWatch('pods').reject(new KubeApiError(410, 'Gone', 'expired', 'GET', '/api/v1/pods'));
    await until(() => api.listCalls.length === 2, 'relist');
    await reflector.close();
  });

  it('keeps retrying a failing list with growing backoff instead of stopping', async () => {
    const { api, reflector, sleeps, logger } = setup();
    const boom = () =>
      new KubeApiError(0, 'Unreachable', 'connect ECONNREFUSED', 'GET', '/api/v1/pods');
    api.listFailures.set('pods', [boom(), boom(), boom()]);
    reflector.start();
    await reflector.whenSynced();
    expect(api.listCalls).toHaveLength(4);
    expect(sleeps).toEqual([375, 750, 1500]);
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(3);
    await reflector.close();
  });

  it('resumes the watch from the last resourceVersion after the stream ends normally', async () => {
    const { api, reflector } = setup();
    reflector.start();
    await until(() => api.watches.length === 1, 'first watch');
    api.emit('pods', { type: 'ADDED', object: pod('x', '42') });
    api.lastWatch('pods').resolve();
    await until(() => api.watches.length === 2, 'second watch');
    expect(api.lastWatch('pods').options.resourceVersion).toBe('42');
    expect(api.listCalls).toHaveLength(1);
    await reflector.close();
  });

  it('waits for a missing CRD, counts as synced, logs it once, then picks it up', async () => {
    const api = new FakeKubeApi();
    const store = new ObjectStore<KubeObject>('Gateway');
    const logger = recordingLogger();
    api.missing.add('gateways');
    let installs = 0;
    const reflector = new Reflector({
      api,
      type: RESOURCES.gateways,
      store,
      logger,
      random: () => 0.5,
      sleep: () => {
        installs += 1;
        if (installs === 3) api.missing.delete('gateways');
        return Promise.resolve();
      },
    });
    reflector.start();
    await reflector.whenSynced();
    await until(() => api.watches.length === 1, 'watch after the CRD appears');
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('gateways.gateway.networking.k8s.io is not installed');
    expect(logger.lines.some((l) => l.message.includes('CRD is installed now'))).toBe(true);
    await reflector.close();
  });
});
