import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanStaleClusters } from './cluster-dirs.js';
import { CLUSTER_MARKER_FILE } from './control-plane/layout.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'clusters-test-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function clusterDir(name: string, files: Record<string, string>): Promise<void> {
  await mkdir(path.join(root, name), { recursive: true });
  for (const [f, c] of Object.entries(files)) await writeFile(path.join(root, name, f), c);
}

describe('stale cluster cleanup', () => {
  it('removes cluster dirs whose daemon and creator are gone, and nothing else', async () => {
    // 2^22 is above Linux's pid_max default, so no live process has it.
    await clusterDir('crashed', {
      [CLUSTER_MARKER_FILE]: '',
      'daemon.pid': '4194304',
      'sandbox.pid': '4194305',
    });
    await clusterDir('being-created', {
      [CLUSTER_MARKER_FILE]: '',
      'creator.pid': String(process.pid),
    });
    await clusterDir('not-ours', { 'daemon.pid': '4194304' });
    const messages: string[] = [];
    const removed = await cleanStaleClusters(root, (m) => messages.push(m));
    expect(removed).toEqual(['crashed']);
    expect((await readdir(root)).sort()).toEqual(['being-created', 'not-ours']);
    expect(messages[0]).toMatch(/removing stale cluster crashed/);
  });

  it('treats a daemon pid that belongs to some other process as gone', async () => {
    // Our own pid is alive, but its command line does not name the state dir.
    await clusterDir('reused-pid', {
      [CLUSTER_MARKER_FILE]: '',
      'daemon.pid': String(process.pid),
    });
    expect(await cleanStaleClusters(root, () => undefined)).toEqual(['reused-pid']);
  });
});
