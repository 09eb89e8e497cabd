// The local addresses of a network namespace, read from procfs without entering it:
// /proc/<pid>/net/fib_trie (IPv4 "host LOCAL" leaves) and /proc/<pid>/net/if_inet6 (IPv6)
// show the namespace of that process.
import { isIP } from 'node:net';

/** IPv4 addresses the fib_trie marks as `/32 host LOCAL` (the namespace's own addresses). */
export function localV4FromFibTrie(text: string): Set<string> {
  const out = new Set<string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    const leaf = /\|--\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(line);
    if (leaf) {
      last = leaf[1];
      continue;
    }
    if (last !== undefined && /^\s*\/32 host LOCAL\s*$/.test(line)) out.add(last);
  }
  return out;
}

/** IPv6 addresses from if_inet6 lines (`<32 hex> <ifindex> <prefix> <scope> <flags> <name>`), in canonical form. */
export function localV6FromIfInet6(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const hex = line.trim().split(/\s+/)[0] ?? '';
    if (!/^[0-9a-f]{32}$/i.test(hex)) continue;
    const groups = hex.match(/.{4}/g) ?? [];
    out.add(canonicalIp(groups.join(':')));
  }
  return out;
}

/** One spelling per address, so "fd00:0:0::7" and "fd00::7" compare equal. */
export function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail] = ip.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}
