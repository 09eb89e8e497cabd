import { openSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { expectInstance } from '../test/expect-instance.js';
import {
  asNetnsFd,
  closeFd,
  netnsInode,
  netnsPath,
  NotANetworkNamespaceError,
  openNetns,
  SyscallError,
  InvalidArgumentError,
} from './index.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('network namespace paths', () => {
  it('map a pid to its /proc net namespace file and keep explicit paths', () => {
    expect(netnsPath({ pid: 1234 })).toBe('/proc/1234/ns/net');
    expect(netnsPath({ path: '/var/run/netns/pod' })).toBe('/var/run/netns/pod');
    expectInstance(
      thrown(() => netnsPath({ pid: 0 })),
      InvalidArgumentError,
    );
    expectInstance(
      thrown(() => netnsPath({ path: '' })),
      InvalidArgumentError,
    );
    expectInstance(
      thrown(() => netnsPath({} as never)),
      InvalidArgumentError,
    );
  });
});

describe.runIf(process.platform === 'linux')('network namespace fds', () => {
  it('open the same namespace by path and by pid (same inode as the namespace file)', () => {
    const own = statSync('/proc/self/ns/net').ino;
    const byPath = openNetns({ path: '/proc/self/ns/net' });
    const byPid = openNetns({ pid: process.pid });
    try {
      expect(byPath).not.toBe(byPid);
      expect(netnsInode(byPath)).toBe(own);
      expect(netnsInode(byPid)).toBe(own);
    } finally {
      closeFd(byPath);
      closeFd(byPid);
    }
  });

  it('refuse another kind of namespace, naming it', () => {
    const error = expectInstance(
      thrown(() => openNetns({ path: '/proc/self/ns/uts' })),
      NotANetworkNamespaceError,
    );
    expect(error.message).toContain('is a UTS namespace, not a network namespace');
  });

  it('refuse an fd that is not a namespace at all', () => {
    const fd = openSync(tmpdir(), 'r');
    try {
      const error = expectInstance(
        thrown(() => asNetnsFd(fd)),
        NotANetworkNamespaceError,
      );
      expect(error.fd).toBe(fd);
      expect(error.message).toContain('not a namespace');
    } finally {
      closeSync(fd);
    }
  });

  it('report a missing namespace file as ENOENT with what to check', () => {
    const error = expectInstance(
      thrown(() => openNetns({ path: join(tmpdir(), 'no-such-netns') })),
      SyscallError,
    );
    expect(error.code).toBe('ENOENT');
    expect(error.syscall).toBe('open');
    expect(error.message).toContain('ip netns list');
  });

  it('report closing an fd that is not open as EBADF', () => {
    // Far above any fd this process has; closing a just-closed fd instead
    // could hit an fd another thread reopened meanwhile.
    const error = expectInstance(
      thrown(() => {
        closeFd(0x7fffffff);
      }),
      SyscallError,
    );
    expect(error.code).toBe('EBADF');
  });
});
