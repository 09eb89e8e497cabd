import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VolumeError } from './errors.js';
import type { VolumePlan } from './volume-plan.js';
import { VolumeWriter, type TokenSource } from './volume-writer.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'nk-vol-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const owner = { namespace: 'ns', serviceAccount: 'sa', podName: 'p', podUID: 'u' };
const mode = (p: string): number => statSync(p).mode & 0o777;

describe('VolumeWriter', () => {
  it('writes emptyDir, files with modes, and hostPath per type', async () => {
    const calls: unknown[] = [];
    const tokens: TokenSource = {
      request: (a) => {
        calls.push(a);
        return Promise.resolve({
          token: 'jwt-1',
          expirationTimestamp: new Date(Date.now() + 3600_000),
        });
      },
    };
    const w = new VolumeWriter({ tokens, onRefreshError: () => undefined });
    const plans: VolumePlan[] = [
      { kind: 'emptyDir', name: 'e', dir: path.join(dir, 'e') },
      {
        kind: 'files',
        name: 'f',
        dir: path.join(dir, 'f'),
        files: [{ path: 'sub/key', content: Buffer.from('v'), mode: 0o600 }],
        tokens: [{ path: 'token', audience: 'istio-ca', expirationSeconds: 3600, mode: 0o644 }],
      },
      {
        kind: 'hostPath',
        name: 'h',
        dir: path.join(dir, 'node/var/run/ztunnel'),
        type: 'DirectoryOrCreate',
      },
      {
        kind: 'hostPath',
        name: 'lock',
        dir: path.join(dir, 'node/run/xtables.lock'),
        type: 'FileOrCreate',
      },
    ];
    await w.materialize(plans, owner);
    w.close();
    expect(mode(path.join(dir, 'e'))).toBe(0o777);
    expect(readFileSync(path.join(dir, 'f/sub/key'), 'utf8')).toBe('v');
    expect(mode(path.join(dir, 'f/sub/key'))).toBe(0o600);
    expect(readFileSync(path.join(dir, 'f/token'), 'utf8')).toBe('jwt-1');
    expect(calls).toEqual([
      {
        namespace: 'ns',
        serviceAccount: 'sa',
        audience: 'istio-ca',
        expirationSeconds: 3600,
        podName: 'p',
        podUID: 'u',
      },
    ]);
    expect(statSync(path.join(dir, 'node/var/run/ztunnel')).isDirectory()).toBe(true);
    expect(statSync(path.join(dir, 'node/run/xtables.lock')).isFile()).toBe(true);
  });

  it('fails hostPath type checks with the volume named', async () => {
    writeFileSync(path.join(dir, 'afile'), '');
    const w = new VolumeWriter({
      tokens: { request: () => Promise.reject(new Error('unused')) },
      onRefreshError: () => undefined,
    });
    await expect(
      w.materialize(
        [{ kind: 'hostPath', name: 'd', dir: path.join(dir, 'afile'), type: 'Directory' }],
        owner,
      ),
    ).rejects.toThrow(VolumeError);
    await expect(
      w.materialize(
        [{ kind: 'hostPath', name: 's', dir: path.join(dir, 'nosock'), type: 'Socket' }],
        owner,
      ),
    ).rejects.toThrow(
      `volume "s": hostPath type check failed: ${path.join(dir, 'nosock')} is not a socket`,
    );
  });

  it('rewrites only the volumes whose files changed', async () => {
    const w = new VolumeWriter({
      tokens: { request: () => Promise.reject(new Error('unused')) },
      onRefreshError: () => undefined,
    });
    const plan = (content: string): VolumePlan => ({
      kind: 'files',
      name: 'cfg',
      dir: path.join(dir, 'cfg'),
      files: [{ path: 'k', content: Buffer.from(content), mode: 0o644 }],
      tokens: [],
    });
    await w.materialize([plan('one')], owner);
    expect(await w.refreshFiles([plan('one')])).toEqual([]);
    expect(await w.refreshFiles([plan('two')])).toEqual(['cfg']);
    expect(readFileSync(path.join(dir, 'cfg/k'), 'utf8')).toBe('two');
    w.close();
  });

  it('refreshes a token at 80% of its lifetime', async () => {
    let n = 0;
    const tokens: TokenSource = {
      request: () =>
        Promise.resolve({ token: `jwt-${++n}`, expirationTimestamp: new Date(Date.now() + 1500) }),
    };
    const w = new VolumeWriter({ tokens, onRefreshError: () => undefined });
    const plan: VolumePlan = {
      kind: 'files',
      name: 't',
      dir: path.join(dir, 't'),
      files: [],
      tokens: [{ path: 'token', expirationSeconds: 600, mode: 0o644 }],
    };
    await w.materialize([plan], owner);
    expect(readFileSync(path.join(dir, 't/token'), 'utf8')).toBe('jwt-1');
    await new Promise((r) => setTimeout(r, 800));
    // not yet: 80% of 1.5 s is 1.2 s
    expect(readFileSync(path.join(dir, 't/token'), 'utf8')).toBe('jwt-1');
    for (let i = 0; i < 40 && readFileSync(path.join(dir, 't/token'), 'utf8') === 'jwt-1'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(path.join(dir, 't/token'), 'utf8')).toBe('jwt-2');
    w.close();
  });
});
