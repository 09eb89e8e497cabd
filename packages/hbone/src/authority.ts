// Strict parsing of the HBONE CONNECT authority. Upstream sends `ip:port`
// (IPv6 as `[addr]:port`); anything looser — hostnames, zone ids, leading
// zeros, missing brackets, port 0 — is refused, because the result decides
// which socket the server opens on the caller's behalf.

import { SocketAddress, isIPv4, isIPv6 } from 'node:net';
import { AuthorityError } from './errors.js';

/** A canonical IP address text (IPv6 compressed and lower-case). */
export type IpAddress = string & { readonly __brand: 'IpAddress' };
/** A TCP port, 1..65535. */
export type Port = number & { readonly __brand: 'Port' };

/** A parsed CONNECT target. `authority` is the canonical re-formatting. */
export interface HboneTarget {
  readonly ip: IpAddress;
  readonly port: Port;
  readonly family: 4 | 6;
  readonly authority: string;
}

const DIGITS = /^[0-9]+$/;
const MAX_AUTHORITY = 64; // "[" + 45-char IPv6 + "]:" + 5 digits, with room to spare

export function parseAuthority(authority: string): HboneTarget {
  if (authority.length === 0) {
    throw new AuthorityError(authority, 'it is empty');
  }
  if (authority.length > MAX_AUTHORITY) {
    throw new AuthorityError(authority, `it is longer than ${MAX_AUTHORITY} characters`);
  }
  let host: string;
  let portText: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) throw new AuthorityError(authority, 'the IPv6 address has no closing "]"');
    host = authority.slice(1, close);
    const rest = authority.slice(close + 1);
    if (!rest.startsWith(':')) throw new AuthorityError(authority, 'a ":port" must follow "]"');
    portText = rest.slice(1);
    if (!isIPv6(host) || host.includes('%')) {
      throw new AuthorityError(
        authority,
        `${JSON.stringify(host)} is not an IPv6 address (zone ids are not allowed)`,
      );
    }
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon === -1) throw new AuthorityError(authority, 'it has no ":port"');
    host = authority.slice(0, colon);
    portText = authority.slice(colon + 1);
    if (host.includes(':')) {
      throw new AuthorityError(
        authority,
        'an IPv6 address must be written in brackets: "[addr]:port"',
      );
    }
    if (!isIPv4(host)) {
      throw new AuthorityError(
        authority,
        `${JSON.stringify(host)} is not an IPv4 address in dotted-decimal form`,
      );
    }
  }
  const port = parsePort(authority, portText);
  const family = isIPv4(host) ? 4 : 6;
  const ip = canonicalIp(host, family);
  return Object.freeze({ ip, port, family, authority: formatAuthority(ip, port) });
}

/** Canonical `ip:port` / `[ip]:port` text. */
export function formatAuthority(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Checks a plain IP address (no port) and returns its canonical form. */
export function parseIpAddress(text: string): IpAddress {
  if (isIPv4(text)) return canonicalIp(text, 4);
  if (isIPv6(text) && !text.includes('%')) return canonicalIp(text, 6);
  throw new AuthorityError(text, 'it is not an IP address');
}

function parsePort(authority: string, text: string): Port {
  if (!DIGITS.test(text))
    throw new AuthorityError(authority, `port ${JSON.stringify(text)} is not a decimal number`);
  if (text.length > 1 && text.startsWith('0'))
    throw new AuthorityError(authority, `port ${text} has a leading zero`);
  const port = Number(text);
  if (port < 1 || port > 65535)
    throw new AuthorityError(authority, `port ${text} is outside 1..65535`);
  return port as Port;
}

function canonicalIp(host: string, family: 4 | 6): IpAddress {
  // SocketAddress runs inet_pton/inet_ntop: IPv6 comes back compressed and lower-case.
  return new SocketAddress({ address: host, family: family === 4 ? 'ipv4' : 'ipv6' })
    .address as IpAddress;
}
