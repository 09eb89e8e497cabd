// Encodes the socket options shared by listeners and outbound sockets into the
// addon's bit flags. Pure.
import { InvalidArgumentError } from './errors.js';
import { OPTION_BITS } from './native-addon.js';
import { requireMark, requireOptionalBoolean } from './validate.js';

/** Options applied to a socket right after socket(), before bind/connect. */
export interface SocketOptions {
  /** SO_MARK for every packet the socket sends; ztunnel uses 0x539 so the pod's iptables rules skip it. Needs CAP_NET_ADMIN. */
  readonly mark?: number;
  /** IP_TRANSPARENT / IPV6_TRANSPARENT: bind to (or accept for) addresses the namespace does not own. Needs CAP_NET_ADMIN. */
  readonly transparent?: boolean;
  /** IP_FREEBIND / IPV6_FREEBIND: bind to an address not (yet) assigned to an interface. */
  readonly freebind?: boolean;
  /** SO_REUSEADDR. */
  readonly reuseAddr?: boolean;
  /** SO_REUSEPORT: several sockets share one port (ztunnel's in-pod listeners). */
  readonly reusePort?: boolean;
  /** IPV6_V6ONLY for IPv6 sockets; false (the default) makes "::" accept IPv4 too. */
  readonly ipv6Only?: boolean;
}

export interface EncodedOptions {
  readonly flags: number;
  readonly mark: number;
}

/** The addon's flag bits for `options`; `defaults` fills unset booleans. */
export function encodeSocketOptions(
  options: SocketOptions,
  defaults: Partial<Record<'reuseAddr', boolean>> = {},
): EncodedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'expected an options object');
  }
  let flags = 0;
  const booleans = ['transparent', 'freebind', 'reuseAddr', 'reusePort', 'ipv6Only'] as const;
  for (const name of booleans) {
    const value =
      requireOptionalBoolean(options[name], `options.${name}`) ??
      (name === 'reuseAddr' ? defaults.reuseAddr : undefined);
    if (value === true) flags |= OPTION_BITS[name];
  }
  let mark = 0;
  if (options.mark !== undefined) {
    mark = requireMark(options.mark, 'options.mark');
    flags |= OPTION_BITS.mark;
  }
  return { flags, mark };
}
