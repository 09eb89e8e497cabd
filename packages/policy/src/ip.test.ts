import { describe, expect, it } from 'vitest';
import { cidrContains, formatCidr, parseCidr, parseIpAddress, type IpAddress } from './ip.js';

const bytesOf = (text: string): number[] | undefined => {
  const ip = parseIpAddress(text);
  return ip ? Array.from(ip.bytes) : undefined;
};

function ip(text: string): IpAddress {
  const parsed = parseIpAddress(text);
  if (!parsed) throw new Error(`bad test address ${text}`);
  return parsed;
}

describe('parseIpAddress', () => {
  it.each<[string, number[]]>([
    ['10.1.2.3', [10, 1, 2, 3]],
    ['0.0.0.0', [0, 0, 0, 0]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['::', new Array<number>(16).fill(0)],
    ['::1', [...new Array<number>(15).fill(0), 1]],
    ['2001:db8::8:1', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 1]],
    ['fe80:0:0:0:0:0:0:1', [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ['1:2:3:4:5:6:7::', [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0]],
    ['::ffff:10.0.0.1', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]],
    ['64:ff9b::1.2.3.4', [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]],
    ['1:2:3:4:5:6:1.2.3.4', [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4]],
    ['ABCD::', [0xab, 0xcd, ...new Array<number>(14).fill(0)]],
  ])('reads %s', (text, bytes) => {
    expect(bytesOf(text)).toEqual(bytes);
  });

  it.each([
    '',
    '10.1.2',
    '10.1.2.3.4',
    '256.0.0.1',
    '010.0.0.1',
    '10.0.0.-1',
    '1.2.3.4 ',
    '0x10.0.0.1',
    ':::',
    '1::2::3',
    '12345::',
    ':1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    'fe80::1%eth0',
    '::ffff:1.2.3',
    'garbage',
  ])('rejects %j', (text) => {
    expect(parseIpAddress(text)).toBeUndefined();
  });
});

describe('parseCidr', () => {
  it('gives a single address its full length', () => {
    expect(parseCidr('10.0.0.1')?.prefixLength).toBe(32);
    expect(parseCidr('::1')?.prefixLength).toBe(128);
  });

  it('keeps host bits as written (istiod sends them unmasked)', () => {
    expect(formatCidr(parseCidr('10.1.2.3/8')!)).toBe('10.1.2.3/8');
  });

  it.each([
    '10.0.0.0/33',
    '::/129',
    '10.0.0.0/',
    '10.0.0.0/08',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    '/8',
  ])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('cidrContains', () => {
  it.each<[string, string, boolean]>([
    ['10.0.0.0/8', '10.255.1.1', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.1.2.3/8', '10.9.9.9', true],
    ['10.0.0.1', '10.0.0.1', true],
    ['10.0.0.1', '10.0.0.2', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['10.0.0.0/31', '10.0.0.1', true],
    ['10.0.0.0/31', '10.0.0.2', false],
    ['192.168.0.0/23', '192.168.1.200', true],
    ['192.168.0.0/23', '192.168.2.1', false],
    ['2001:db8::/32', '2001:db8:1::5', true],
    ['2001:db8::/32', '2001:db9::5', false],
    ['::/0', '10.0.0.1', false], // an IPv6 range never holds an IPv4 address
    ['10.0.0.0/8', '::ffff:10.1.1.1', true], // dual-stack sockets report IPv4 peers mapped
    ['::ffff:10.0.0.0/104', '10.1.1.1', true],
    ['::ffff:10.0.0.0/104', '11.1.1.1', false],
  ])('%s contains %s: %s', (range, address, expected) => {
    expect(cidrContains(parseCidr(range)!, ip(address))).toBe(expected);
  });
});
