import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { expectInstance } from '../test/expect-instance.js';
import {
  LinuxSocketsError,
  NativeAddonMissingError,
  SeqpacketTruncatedError,
  SyscallError,
  UnsupportedPlatformError,
} from './errors.js';
import { translateNativeError } from './native-addon.js';
import { hintFor } from './syscall-hints.js';

describe('SyscallError', () => {
  it('carries errno, its name and the syscall, and says what to check', () => {
    const error = new SyscallError(
      constants.errno.ECONNREFUSED,
      'connect',
      'connect to 10.0.0.2:80',
    );
    expect(error).toBeInstanceOf(LinuxSocketsError);
    expect(error.errno).toBe(constants.errno.ECONNREFUSED);
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.syscall).toBe('connect');
    expect(error.message).toBe(
      'connect failed with ECONNREFUSED (connection refused) while trying to connect to 10.0.0.2:80; ' +
        'nothing listens there in the socket\u2019s network namespace (for a unix socket: the file is stale, its server is gone)',
    );
  });

  it('explains privilege errors per syscall', () => {
    expect(new SyscallError(constants.errno.EPERM, 'setns').message).toContain('CAP_SYS_ADMIN');
    expect(new SyscallError(constants.errno.EPERM, 'setsockopt(SO_MARK)').message).toContain(
      'CAP_NET_ADMIN',
    );
  });

  it('explains a missing NAT entry for SO_ORIGINAL_DST', () => {
    expect(
      new SyscallError(constants.errno.ENOENT, 'getsockopt(SO_ORIGINAL_DST)').message,
    ).toContain('REDIRECT');
  });

  it('names errnos Node does not know as E<number>', () => {
    const error = new SyscallError(4000, 'bind');
    expect(error.code).toBe('E4000');
    expect(error.message).toContain('unknown error');
  });
});

describe('hints', () => {
  it('prefer the syscall-specific text and fall back to the errno', () => {
    expect(hintFor('bind', 'EADDRNOTAVAIL')).toContain('transparent or freebind');
    expect(hintFor('sendmsg', 'EBADF')).toContain('fds to send');
    expect(hintFor('close', 'EBADF')).toContain('not open');
    expect(hintFor('bind', 'EXDEV')).toBeUndefined();
  });
});

describe('translation of addon errors', () => {
  it('turns an errno-carrying Error into a SyscallError with context', () => {
    const raw = Object.assign(new Error('setns: Operation not permitted'), {
      errno: constants.errno.EPERM,
      syscall: 'setns',
    });
    const typed = expectInstance(
      translateNativeError(raw, 'listen on 0.0.0.0:15001 (TCP)'),
      SyscallError,
    );
    expect(typed.code).toBe('EPERM');
    expect(typed.message).toContain('while trying to listen on 0.0.0.0:15001 (TCP)');
  });

  it('passes other errors through untouched', () => {
    const typeError = new TypeError('linux-sockets native: fd must be a number');
    expect(translateNativeError(typeError)).toBe(typeError);
    expect(translateNativeError('x')).toBe('x');
  });
});

describe('platform and addon errors', () => {
  it('say what to do', () => {
    expect(new UnsupportedPlatformError('darwin').message).toContain('this is darwin');
    const missing = new NativeAddonMissingError(
      '/x/linux_sockets.node',
      new Error('Cannot find module'),
    );
    expect(missing.message).toContain('npm run build -w packages/linux-sockets');
    expect(missing.message).toContain('/x/linux_sockets.node');
    expect(missing.cause).toBeInstanceOf(Error);
  });

  it('tell which limit a truncated message broke', () => {
    const data = new SeqpacketTruncatedError(2000, 1024, false, 253);
    expect(data.message).toContain('2000 bytes exceed maxMessageBytes 1024');
    expect(data.message).not.toContain('maxFdsPerMessage');
    const fds = new SeqpacketTruncatedError(10, 1024, true, 1);
    expect(fds.message).toContain('more fds than maxFdsPerMessage 1');
    expect(fds.message).not.toContain('bytes exceed');
  });
});
