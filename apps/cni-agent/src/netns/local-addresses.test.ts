import { describe, expect, it } from 'vitest';
import { canonicalIp, localV4FromFibTrie, localV6FromIfInet6 } from './local-addresses.js';

// /proc/<pid>/net/fib_trie of a pod netns with 10.244.1.5/24 on eth0 and lo up.
const FIB_TRIE = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 10.244.1.0/24 2 0 2
        |-- 10.244.1.0
           /24 link UNICAST
        |-- 10.244.1.5
           /32 host LOCAL
        |-- 10.244.1.255
           /32 link BROADCAST
     +-- 127.0.0.0/8 2 0 2
        |-- 127.0.0.1
           /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
        |-- 10.244.1.5
           /32 host LOCAL
`;

describe("reading a namespace's own addresses from procfs", () => {
  it('takes the host LOCAL leaves of fib_trie, not routes or broadcasts', () => {
    expect([...localV4FromFibTrie(FIB_TRIE)].sort()).toEqual(['10.244.1.5', '127.0.0.1']);
  });

  it('decodes if_inet6 into canonical IPv6 text', () => {
    const text =
      '00000000000000000000000000000001 01 80 10 80       lo\n' +
      'fd000000000000000000000000000007 02 40 00 80     eth0\n';
    expect([...localV6FromIfInet6(text)]).toEqual(['0:0:0:0:0:0:0:1', 'fd00:0:0:0:0:0:0:7']);
    expect(canonicalIp('fd00::7')).toBe('fd00:0:0:0:0:0:0:7');
    expect(canonicalIp('::1')).toBe('0:0:0:0:0:0:0:1');
    expect(canonicalIp('10.0.0.1')).toBe('10.0.0.1');
  });
});
