// The ZDS socket hands whoever connects the netns of every pod on the node:
// only root may reach it. Upstream creates it 0600 in a 0700 directory.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordAttack } from '@ambient-ts/security-table';
import { afterEach, describe, expect, it } from 'vitest';
import type { Log } from '../log.js';
import { seqpacketListener } from './seqpacket-transport.js';

const quiet = { warn: () => undefined } as unknown as Log;
const mode = (p: string): number => statSync(p).mode & 0o777;
let root = '';
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the ZDS socket', () => {
  it('is created 0600 in a new 0700 directory', () => {
    root = mkdtempSync(path.join(tmpdir(), 'zds-perm-'));
    const socket = path.join(root, 'run', 'ztunnel', 'ztunnel.sock');
    const listening = seqpacketListener(socket, quiet)(() => undefined);
    try {
      expect(mode(path.dirname(socket)).toString(8)).toBe('700');
      expect(mode(socket).toString(8)).toBe('600');
      recordAttack({
        finding: '12.6 small ones',
        attack: 'a non-root process reaches the ZDS socket (pod netns fds)',
        sent: 'the agent creates its socket in a new directory',
        happened: `directory ${mode(path.dirname(socket)).toString(8)}, socket ${mode(socket).toString(8)}: only root can connect`,
      });
    } finally {
      listening.close();
    }
  });

  it('tightens an existing, world-readable directory to 0700', () => {
    root = mkdtempSync(path.join(tmpdir(), 'zds-perm-'));
    const dir = path.join(root, 'ztunnel');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const listening = seqpacketListener(path.join(dir, 'ztunnel.sock'), quiet)(() => undefined);
    try {
      expect(mode(dir).toString(8)).toBe('700');
      expect(mode(path.join(dir, 'ztunnel.sock')).toString(8)).toBe('600');
      recordAttack({
        finding: '12.6 small ones',
        attack: 'a world-readable ZDS directory left from before',
        sent: 'the agent starts with an existing 0755 directory',
        happened: `directory tightened to ${mode(dir).toString(8)}, socket ${mode(path.join(dir, 'ztunnel.sock')).toString(8)}`,
      });
    } finally {
      listening.close();
    }
  });
});
