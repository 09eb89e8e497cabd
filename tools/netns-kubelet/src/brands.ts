// Values that are easy to mix up get distinct types (ARCHITECTURE.md §5): a pod IP is not a
// node IP, and a network namespace path is not any other path.
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type PodIP = Brand<string, 'PodIP'>;
export type NodeIP = Brand<string, 'NodeIP'>;
/** A file whose open() yields a network namespace (a bind-mounted nsfs inode or /proc/<pid>/ns/net). */
export type NetnsPath = Brand<string, 'NetnsPath'>;
/** A CIDR such as 10.244.1.0/24. */
export type Cidr = Brand<string, 'Cidr'>;

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(s: string): boolean {
  return ipv4.test(s);
}

export function isIP(s: string): boolean {
  return isIPv4(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));
}

export function asPodIP(s: string): PodIP {
  if (!isIP(s)) throw new TypeError(`not an IP address for a pod: ${JSON.stringify(s)}`);
  return s as PodIP;
}

export function asNodeIP(s: string): NodeIP {
  if (!isIP(s)) throw new TypeError(`not an IP address for a node: ${JSON.stringify(s)}`);
  return s as NodeIP;
}

export function asNetnsPath(s: string): NetnsPath {
  if (!s.startsWith('/'))
    throw new TypeError(`a netns path must be absolute: ${JSON.stringify(s)}`);
  return s as NetnsPath;
}

export function asCidr(s: string): Cidr {
  const [addr, len, extra] = s.split('/');
  const n = Number(len);
  if (addr === undefined || extra !== undefined || !isIP(addr) || !Number.isInteger(n) || n < 0)
    throw new TypeError(`not a CIDR: ${JSON.stringify(s)}`);
  if (n > (isIPv4(addr) ? 32 : 128)) throw new TypeError(`prefix length too long in ${s}`);
  return s as Cidr;
}
