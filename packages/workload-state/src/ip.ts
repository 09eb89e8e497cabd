// IP addresses as the data plane compares them: one canonical text per address
// (dotted IPv4; compressed lower-case IPv6; IPv4-mapped IPv6 folded to IPv4,
// which is how a dual-stack listener reports IPv4 peers). Branded so a pod IP,
// a service VIP and an arbitrary string cannot be mixed up by accident.

import { isIP } from 'node:net';

export type IpAddr = string & { readonly __brand: 'IpAddr' };
/** An IP that belongs to a workload (pod). */
export type PodIp = IpAddr & { readonly __role: 'pod' };
/** A service virtual IP. */
export type Vip = IpAddr & { readonly __role: 'vip' };

export class InvalidAddressError extends Error {
  override readonly name = 'InvalidAddressError';
}

/** Canonical form of an IP literal, or undefined when `text` is not one. */
export function parseIp(text: string): IpAddr | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const family = isIP(bare);
  if (family === 4) return bare as IpAddr;
  if (family !== 6) return undefined;
  const canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped?.[1] !== undefined && mapped[2] !== undefined) {
    const hi = parseInt(mapped[1], 16);
    const lo = parseInt(mapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}` as IpAddr;
  }
  return canonical as IpAddr;
}

/** Like parseIp, throwing an error that names `what`. */
export function requireIp(text: string, what: string): IpAddr {
  const ip = parseIp(text);
  if (ip === undefined) throw new InvalidAddressError(`${what}: "${text}" is not an IP address`);
  return ip;
}

/** The address in xDS bytes: 4 (IPv4) or 16 (IPv6) raw bytes. */
export function ipFromBytes(bytes: Uint8Array, what: string): IpAddr {
  if (bytes.length === 4) return Array.from(bytes).join('.') as IpAddr;
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2)
      groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
    return requireIp(groups.join(':'), what);
  }
  throw new InvalidAddressError(`${what}: an address must be 4 or 16 bytes, got ${bytes.length}`);
}

export function ipFamily(ip: IpAddr): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}

/** `ip:port`, with IPv6 in brackets. */
export function socketAddr(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** An address on a network: the key workloads and VIPs are indexed by. */
export interface NetworkAddress {
  readonly network: string;
  readonly address: IpAddr;
}

/** `network/ip`, upstream's text form (also the on-demand xDS resource name). */
export function networkAddressKey(n: NetworkAddress): string {
  return `${n.network}/${n.address}`;
}

export function isLoopback(ip: IpAddr): boolean {
  return ip === '::1' || ip.startsWith('127.');
}
