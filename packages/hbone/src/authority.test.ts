import { describe, expect, it } from 'vitest';
import { formatAuthority, parseAuthority, parseIpAddress } from './authority.js';
import { AuthorityError } from './errors.js';

describe('CONNECT authority parsing', () => {
  it.each([
    ['10.0.0.1:8080', '10.0.0.1', 8080, 4],
    ['0.0.0.0:1', '0.0.0.0', 1, 4],
    ['255.255.255.255:65535', '255.255.255.255', 65535, 4],
    ['[::1]:80', '::1', 80, 6],
    ['[fd00::a:1]:15008', 'fd00::a:1', 15008, 6],
    ['[::ffff:1.2.3.4]:443', '::ffff:1.2.3.4', 443, 6],
  ])('accepts %s', (input, ip, port, family) => {
    const t = parseAuthority(input);
    expect(t).toEqual({ ip, port, family, authority: input });
  });

  it('canonicalises IPv6 so equal addresses compare equal', () => {
    expect(parseAuthority('[FD00:0:0:0:0:0:0:1]:80').authority).toBe('[fd00::1]:80');
    expect(parseAuthority('[0:0:0:0:0:0:0:1]:80').ip).toBe('::1');
  });

  it.each([
    ['', 'empty'],
    ['foo', 'hostname without port'],
    ['foo:80', 'hostname'],
    ['1.2.3.4', 'missing port'],
    ['1.2.3.4:', 'empty port'],
    ['1.2.3.4:0', 'port 0'],
    ['1.2.3.4:65536', 'port too large'],
    ['1.2.3.4:99999', 'port too large'],
    ['1.2.3.4:080', 'leading zero in port'],
    ['1.2.3.4:+80', 'signed port'],
    ['1.2.3.4:8 0', 'space in port'],
    ['1.2.3.4:0x50', 'hex port'],
    ['01.2.3.4:80', 'leading zero in an octet'],
    ['1.2.3:80', 'three octets'],
    ['256.1.1.1:80', 'octet out of range'],
    ['[::1', 'unclosed bracket'],
    ['[::1]', 'IPv6 without port'],
    ['[::1]80', 'no colon after bracket'],
    ['::1:80', 'IPv6 without brackets'],
    ['[1.2.3.4]:80', 'IPv4 in brackets'],
    ['[fe80::1%eth0]:80', 'zone id'],
    ['[fe80::1%25eth0]:80', 'percent-encoded zone id'],
    [' 1.2.3.4:80', 'leading space'],
    ['user@1.2.3.4:80', 'userinfo'],
    ['1.2.3.4:80/path', 'path'],
    [`[${'a:'.repeat(40)}1]:80`, 'overlong'],
  ])('rejects %j (%s) with AuthorityError', (input) => {
    expect(() => parseAuthority(input)).toThrow(AuthorityError);
  });

  it('says what is expected in the error', () => {
    expect(() => parseAuthority('foo')).toThrow(/expected "ip:port" or "\[ipv6\]:port"/);
  });

  it('formats IPv6 with brackets and IPv4 without', () => {
    expect(formatAuthority('::1', 80)).toBe('[::1]:80');
    expect(formatAuthority('10.1.2.3', 80)).toBe('10.1.2.3:80');
  });

  it('parses bare IPs for source binding and refuses hostnames', () => {
    expect(parseIpAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(parseIpAddress('FD00::1')).toBe('fd00::1');
    expect(() => parseIpAddress('localhost')).toThrow(AuthorityError);
  });
});
