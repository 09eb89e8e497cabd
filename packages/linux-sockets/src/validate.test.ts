import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { encodeSocketOptions } from './socket-options.js';
import {
  requireDestinationPort,
  requireFd,
  requireFdList,
  requireIpAddress,
  requireMark,
  requireMessage,
  requirePort,
  requireTimeoutMs,
  requireUnixPath,
  SCM_MAX_FD,
} from './validate.js';

function invalid(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('argument validation', () => {
  it('accepts IPv4 and IPv6 literals and reports their family', () => {
    expect(requireIpAddress('10.0.0.1', 'host')).toEqual({ address: '10.0.0.1', family: 4 });
    expect(requireIpAddress('::', 'host')).toEqual({ address: '::', family: 6 });
    expect(requireIpAddress('fd00::1', 'host')).toEqual({ address: 'fd00::1', family: 6 });
  });

  it('refuses host names, zone ids and non-strings, naming the argument', () => {
    const name = invalid(() => requireIpAddress('localhost', 'options.host'));
    expect(name.argument).toBe('options.host');
    expect(name.message).toContain('resolve host names before calling');
    expect(invalid(() => requireIpAddress('fe80::1%eth0', 'host')).message).toContain('zone ids');
    invalid(() => requireIpAddress(42, 'host'));
    invalid(() => requireIpAddress('10.0.0.256', 'host'));
  });

  it('takes ports 0-65535 for binding but never 0 as a destination', () => {
    expect(requirePort(0)).toBe(0);
    expect(requirePort(65535)).toBe(65535);
    invalid(() => requirePort(65536));
    invalid(() => requirePort(-1));
    invalid(() => requirePort(80.5));
    invalid(() => requirePort('80'));
    expect(invalid(() => requireDestinationPort(0)).message).toContain('cannot connect to port 0');
  });

  it('takes 32-bit unsigned marks only', () => {
    expect(requireMark(0x539)).toBe(0x539);
    expect(requireMark(0xffffffff)).toBe(0xffffffff);
    invalid(() => requireMark(0x100000000));
    invalid(() => requireMark(-1));
  });

  it('takes non-negative int32 fds only', () => {
    expect(requireFd(0)).toBe(0);
    invalid(() => requireFd(-1));
    invalid(() => requireFd(2 ** 31));
    invalid(() => requireFd(null));
  });

  it('limits one message to SCM_MAX_FD fds, each a valid fd', () => {
    expect(requireFdList(Array.from({ length: SCM_MAX_FD }, () => 3))).toHaveLength(253);
    expect(invalid(() => requireFdList(Array.from({ length: 254 }, () => 3))).message).toContain(
      'at most 253',
    );
    expect(invalid(() => requireFdList([3, -4])).argument).toBe('fds[1]');
    invalid(() => requireFdList('3'));
  });

  it('refuses empty and non-byte messages', () => {
    expect(requireMessage(Buffer.from('x'))).toHaveLength(1);
    expect(requireMessage(new Uint8Array([1, 2]))).toHaveLength(2);
    expect(invalid(() => requireMessage(new Uint8Array(0))).message).toContain('hangup');
    invalid(() => requireMessage('text'));
    invalid(() => requireMessage(new Uint16Array(2)));
  });

  it('refuses unix paths that do not fit sun_path', () => {
    expect(requireUnixPath('/var/run/ztunnel/ztunnel.sock')).toBe('/var/run/ztunnel/ztunnel.sock');
    expect(requireUnixPath(`/${'a'.repeat(106)}`)).toHaveLength(107);
    expect(invalid(() => requireUnixPath(`/${'a'.repeat(107)}`)).message).toContain(
      'at most 107 bytes',
    );
    invalid(() => requireUnixPath(''));
    invalid(() => requireUnixPath('\0abstract'));
  });

  it('takes positive finite timeouts only', () => {
    expect(requireTimeoutMs(1500)).toBe(1500);
    invalid(() => requireTimeoutMs(0));
    invalid(() => requireTimeoutMs(Number.POSITIVE_INFINITY));
  });
});

describe('socket option encoding', () => {
  it('sets one bit per enabled option and the mark bit only when a mark is given', () => {
    expect(encodeSocketOptions({})).toEqual({ flags: 0, mark: 0 });
    expect(encodeSocketOptions({ mark: 0 })).toEqual({ flags: 32, mark: 0 });
    expect(encodeSocketOptions({ mark: 0x539, transparent: true })).toEqual({
      flags: 33,
      mark: 0x539,
    });
    expect(
      encodeSocketOptions({ reuseAddr: true, reusePort: true, freebind: true, ipv6Only: true })
        .flags,
    ).toBe(2 | 4 | 8 | 16);
  });

  it('applies the reuseAddr default only when the caller did not choose', () => {
    expect(encodeSocketOptions({}, { reuseAddr: true }).flags).toBe(2);
    expect(encodeSocketOptions({ reuseAddr: false }, { reuseAddr: true }).flags).toBe(0);
  });

  it('rejects non-boolean flags and bad marks', () => {
    invalid(() => encodeSocketOptions({ transparent: 'yes' } as never));
    invalid(() => encodeSocketOptions({ mark: -5 }));
  });
});
