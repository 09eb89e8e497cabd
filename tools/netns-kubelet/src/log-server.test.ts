import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEntry } from './cri-log.js';
import { startKubeletServer, type KubeletServer, type LoggedPod } from './log-server.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'nk-logs-'));
const current = path.join(dir, 'app.log');
const previous = path.join(dir, 'app.previous.log');
let running = true;
const pod: LoggedPod = {
  hasContainer: (c) => c === 'app',
  isRunning: () => running,
  logPath: (_c, prev) => (prev ? previous : current),
};
let server: KubeletServer;
const get = async (p: string): Promise<{ status: number; body: string }> => {
  const r = await fetch(`http://127.0.0.1:${server.port}${p}`);
  return { status: r.status, body: await r.text() };
};

beforeAll(async () => {
  writeFileSync(
    current,
    formatEntry('2026-01-01T00:00:01.000000000Z', 'stdout', false, 'first') +
      formatEntry('2026-01-01T00:00:02.000000000Z', 'stderr', false, 'second'),
  );
  writeFileSync(
    previous,
    formatEntry('2026-01-01T00:00:00.500000000Z', 'stdout', false, 'before the crash'),
  );
  server = await startKubeletServer(
    { find: (ns, name) => (ns === 'ns' && name === 'p' ? pod : undefined) },
    0,
    '127.0.0.1',
    undefined,
  );
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubelet :10250 log API', () => {
  it('answers /healthz', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
  });
  it('serves container logs as kubectl logs shows them', async () => {
    expect(await get('/containerLogs/ns/p/app')).toEqual({ status: 200, body: 'first\nsecond\n' });
    expect((await get('/containerLogs/ns/p/app?tailLines=1')).body).toBe('second\n');
    expect((await get('/containerLogs/ns/p/app?timestamps=true&tailLines=1')).body).toBe(
      '2026-01-01T00:00:02.000000000Z second\n',
    );
    expect((await get('/containerLogs/ns/p/app?previous=true')).body).toBe('before the crash\n');
    expect((await get('/containerLogs/ns/p/app?limitBytes=3')).body).toBe('fir');
  });
  it('says what is missing', async () => {
    expect(await get('/containerLogs/ns/nope/app')).toMatchObject({
      status: 404,
      body: expect.stringContaining('pod "nope" in namespace "ns" is not on this node') as unknown,
    });
    expect((await get('/containerLogs/ns/p/other')).status).toBe(404);
    expect((await get('/exec/ns/p/app')).status).toBe(501);
  });
  it('follows new lines until the container stops', async () => {
    const r = await fetch(
      `http://127.0.0.1:${server.port}/containerLogs/ns/p/app?follow=true&sinceSeconds=1`,
    );
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const chunks: string[] = [];
    const dec = new TextDecoder();
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        chunks.push(dec.decode(value));
      }
    })();
    await new Promise((res) => setTimeout(res, 400));
    appendFileSync(current, formatEntry(new Date().toISOString(), 'stdout', false, 'live line'));
    await new Promise((res) => setTimeout(res, 600));
    running = false;
    await reading;
    // sinceSeconds dropped the old lines; the live one arrived while following.
    expect(chunks.join('')).toBe('live line\n');
  });
});
