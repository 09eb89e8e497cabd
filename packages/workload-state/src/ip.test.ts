import { describe, expect, it } from 'vitest';
import {
  InvalidAddressError,
  ipFromBytes,
  networkAddressKey,
  parseIp,
  requireIp,
  socketAddr,
} from './ip.js';

describe('IP addresses', () => {
  it('have one canonical text: compressed lower-case IPv6, IPv4-mapped folded to IPv4', () => {
    expect(parseIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(parseIp('[::1]')).toBe('::1');
    expect(parseIp('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(parseIp('10.0.0.7')).toBe('10.0.0.7');
    expect(parseIp('pod.default')).toBeUndefined();
  });

  it('come from xDS as 4 or 16 bytes, anything else is rejected naming the field', () => {
    expect(ipFromBytes(new Uint8Array([10, 0, 0, 1]), 'a')).toBe('10.0.0.1');
    const v6 = new Uint8Array(16);
    v6[15] = 1;
    expect(ipFromBytes(v6, 'a')).toBe('::1');
    expect(() => ipFromBytes(new Uint8Array(5), 'addresses[2]')).toThrow(
      'addresses[2]: an address must be 4 or 16 bytes, got 5',
    );
    expect(() => requireIp('nope', 'INSTANCE_IP')).toThrow(InvalidAddressError);
  });

  it('format as ip:port (IPv6 bracketed) and network/ip keys', () => {
    expect(socketAddr('10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(socketAddr('2001:db8::1', 80)).toBe('[2001:db8::1]:80');
    expect(networkAddressKey({ network: 'net1', address: requireIp('10.0.0.1', 't') })).toBe(
      'net1/10.0.0.1',
    );
  });
});
