// IP addresses and CIDR ranges as raw bytes, the way istio.security.Address
// carries them. Parsing is strict on purpose (no leading zeros, no zones, no
// shorthand IPv4 forms): a string we cannot read unambiguously must never turn
// into a range that matches more than the author meant.

/** An IP address: 4 bytes (IPv4) or 16 bytes (IPv6). */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/**
 * A CIDR range. `bytes` is the address as written (host bits are kept, as
 * upstream istiod sends them); matching masks with `prefixLength`.
 */
export interface Cidr {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
}

const IPV4_OCTET = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX_LENGTH = /^(?:0|[1-9][0-9]{0,2})$/;

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? '';
    if (!IPV4_OCTET.test(part)) return undefined;
    bytes[i] = Number(part);
  }
  return bytes;
}

function parseHexGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  for (const group of text.split(':')) {
    if (!HEX_GROUP.test(group)) return undefined;
    groups.push(parseInt(group, 16));
  }
  return groups;
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (text.includes('%')) return undefined; // zones name an interface, not an address
  let head = text;
  let tail: number[] = [];
  // An embedded IPv4 address (e.g. ::ffff:10.0.0.1) supplies the last 32 bits.
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    head = text.slice(0, lastColon + 1);
    // "::1.2.3.4" keeps its "::"; "a:b::c:1.2.3.4" ends in a single ':' we drop.
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const left = parseHexGroups(halves[0] ?? '');
    const right = parseHexGroups(halves[1] ?? '');
    if (!left || !right) return undefined;
    const missing = 8 - left.length - right.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right, ...tail];
  } else {
    const all = parseHexGroups(head);
    if (!all) return undefined;
    groups = [...all, ...tail];
    if (groups.length !== 8) return undefined;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  return bytes;
}

/** Parses a textual IPv4 or IPv6 address; undefined when it is not one. */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    return bytes ? { family: 6, bytes } : undefined;
  }
  const bytes = parseIpv4(text);
  return bytes ? { family: 4, bytes } : undefined;
}

/**
 * Parses `ip` or `ip/len`, as AuthorizationPolicy ipBlocks and the ip `when`
 * keys allow. A single address becomes a full-length range.
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const ip = parseIpAddress(text);
    return ip ? { ...ip, prefixLength: ip.family === 4 ? 32 : 128 } : undefined;
  }
  const ip = parseIpAddress(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (!ip || !PREFIX_LENGTH.test(lengthText)) return undefined;
  const prefixLength = Number(lengthText);
  if (prefixLength > (ip.family === 4 ? 32 : 128)) return undefined;
  return { ...ip, prefixLength };
}

/** Why `text` is not a CIDR range, for error messages. */
export function describeBadCidr(text: string): string {
  const slash = text.indexOf('/');
  if (slash < 0) return `"${text}" is not an IP address`;
  if (!parseIpAddress(text.slice(0, slash))) {
    return `"${text}" is not a CIDR range: "${text.slice(0, slash)}" is not an IP address`;
  }
  return `"${text}" is not a CIDR range: the prefix length must be 0-32 for IPv4, 0-128 for IPv6`;
}

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function isV4Mapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && V4_MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

/**
 * Sockets on a dual-stack listener report IPv4 peers as ::ffff:a.b.c.d, and a
 * policy author may write either form; both sides are compared as IPv4 so the
 * spelling can never decide whether a DENY applies.
 */
function canonicalAddress(ip: IpAddress): IpAddress {
  return ip.family === 6 && isV4Mapped(ip.bytes) ? { family: 4, bytes: ip.bytes.slice(12) } : ip;
}

function canonicalCidr(cidr: Cidr): Cidr {
  if (cidr.family === 6 && cidr.prefixLength >= 96 && isV4Mapped(cidr.bytes)) {
    return { family: 4, bytes: cidr.bytes.slice(12), prefixLength: cidr.prefixLength - 96 };
  }
  return cidr;
}

/** Whether `ip` lies inside `cidr` (IPv4-mapped IPv6 compares as IPv4). */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  const range = canonicalCidr(cidr);
  const addr = canonicalAddress(ip);
  if (range.family !== addr.family) return false;
  let remaining = range.prefixLength;
  for (let i = 0; remaining > 0; i++, remaining -= 8) {
    const mask = remaining >= 8 ? 0xff : (0xff << (8 - remaining)) & 0xff;
    if (((range.bytes[i] ?? 0) & mask) !== ((addr.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Text form of a range, for reasons and debugging (IPv6 is not compressed). */
export function formatCidr(cidr: Cidr): string {
  if (cidr.family === 4) return `${Array.from(cidr.bytes).join('.')}/${cidr.prefixLength}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push((((cidr.bytes[i] ?? 0) << 8) | (cidr.bytes[i + 1] ?? 0)).toString(16));
  }
  return `${groups.join(':')}/${cidr.prefixLength}`;
}
