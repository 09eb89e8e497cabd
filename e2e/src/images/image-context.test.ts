import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nonGlibcLibraries, stageContext, type ContextPlan } from './image-context.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'image-context-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('image contexts', () => {
  it("ship the C++ runtime node links but not glibc's libraries", () => {
    const ldd = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x1)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x2)',
      '\tlibm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x3)',
      '\tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x4)',
      '\tlibpthread.so.0 => /lib/x86_64-linux-gnu/libpthread.so.0 (0x5)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x6)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x7)',
    ].join('\n');
    expect(nonGlibcLibraries(ldd)).toEqual([
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libgcc_s.so.1',
    ]);
  });

  it('are staged at in-image paths with their modes, and rewritten only when their hash changes', async () => {
    const src = path.join(dir, 'main.js');
    writeFileSync(src, 'v1');
    const plan = (hash: string): ContextPlan => ({
      context: 'pilot',
      hash,
      entries: [
        { to: '/app/apps/istiod/dist/main.js', from: src, mode: 0o644 },
        { to: '/usr/local/bin/run', text: '#!/bin/sh\n', mode: 0o755 },
      ],
    });
    const root = path.join(dir, 'context');
    const umask = process.umask(0o077);
    try {
      await stageContext(root, plan('h1'));
    } finally {
      process.umask(umask);
    }
    const staged = path.join(root, 'pilot/app/apps/istiod/dist/main.js');
    expect(readFileSync(staged, 'utf8')).toBe('v1');
    expect(statSync(path.join(root, 'pilot/usr/local/bin/run')).mode & 0o777).toBe(0o755);
    // uid 1337 must traverse every directory, even when staged under umask 077.
    for (const d of ['pilot', 'pilot/app', 'pilot/app/apps/istiod/dist'])
      expect(statSync(path.join(root, d)).mode & 0o777, d).toBe(0o755);
    // The stamp sits outside the directory the Dockerfile copies.
    expect(readFileSync(path.join(root, 'pilot.inputs'), 'utf8')).toBe('h1');
    expect(existsSync(path.join(root, 'pilot/pilot.inputs'))).toBe(false);

    writeFileSync(src, 'v2');
    await stageContext(root, plan('h1'));
    expect(readFileSync(staged, 'utf8')).toBe('v1');
    await stageContext(root, plan('h2'));
    expect(readFileSync(staged, 'utf8')).toBe('v2');
  });
});
