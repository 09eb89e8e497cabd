// IP text → the raw bytes WDS carries (4 or 16 bytes, no port), and CIDRs
// for ServiceEntry addresses. Invalid text yields undefined; callers report it.

import { isIP } from 'node:net';

/** 4 or 16 bytes, or undefined when `text` is not an IP address. */
export function ipBytes(text: string): Uint8Array | undefined {
  const family = isIP(text);
  if (family === 4) {
    return Uint8Array.from(text.split('.').map((o) => Number(o)));
  }
  if (family === 6) return ipv6Bytes(text);
  return undefined;
}

function ipv6Bytes(text: string): Uint8Array | undefined {
  let addr = text;
  const zone = addr.indexOf('%');
  if (zone >= 0) addr = addr.slice(0, zone);
  let tail: number[] = [];
  const lastColon = addr.lastIndexOf(':');
  const maybeV4 = addr.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = ipBytes(maybeV4);
    if (!v4) return undefined;
    tail = [...v4];
    addr = `${addr.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = addr.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  const groups =
    rest === undefined
      ? headGroups
      : [...headGroups, ...Array<string>(missing).fill('0'), ...restGroups];
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = (v >> 8) & 0xff;
    out[i * 2 + 1] = v & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

export interface ParsedCidr {
  readonly address: Uint8Array;
  /** Prefix length; undefined for a single address written without one. */
  readonly length: number | undefined;
}

/** `10.0.0.1`, `10.0.0.0/24`, `2001:db8::/32`; undefined when malformed. */
export function parseCidrText(text: string): ParsedCidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const address = ipBytes(text);
    return address ? { address, length: undefined } : undefined;
  }
  const address = ipBytes(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (!address || !/^\d{1,3}$/.test(lenText)) return undefined;
  const length = Number(lenText);
  if (length > address.length * 8) return undefined;
  return { address, length };
}

export function bytesToIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}
