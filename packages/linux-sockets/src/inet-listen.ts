// Listening TCP and bound UDP sockets created inside a network namespace, for
// Node to adopt: net.Server.listen({fd}) and dgram's socket.bind({fd}).
import { callNative, KIND_TCP, KIND_UDP } from './native-addon.js';
import type { NetnsFd } from './netns.js';
import { encodeSocketOptions, type SocketOptions } from './socket-options.js';
import { requireFd, requireIntInRange, requireIpAddress, requirePort } from './validate.js';

export interface ListenTcpOptions extends SocketOptions {
  /** IPv4 or IPv6 literal: "0.0.0.0", "::", "127.0.0.1", a pod IP. */
  readonly host: string;
  /** 0 lets the kernel pick; read it back with localAddressOf(fd). */
  readonly port: number;
  /** listen() backlog; default 511, as Node's. */
  readonly backlog?: number;
}

export type BindUdpOptions = SocketOptions & {
  readonly host: string;
  readonly port: number;
};

const DEFAULT_BACKLOG = 511;

/**
 * Creates a TCP listener inside `netns` (null: the caller's own namespace) and
 * returns its fd, non-blocking and CLOEXEC, for `server.listen({fd})`. The
 * socket stays in that namespace for its life. SO_REUSEADDR is on unless
 * `reuseAddr: false`, as for Node's own listeners.
 */
export function listenTcpInNetns(netns: NetnsFd | null, options: ListenTcpOptions): number {
  const nsfd = netns === null ? null : requireFd(netns, 'netns');
  const { address, family } = requireIpAddress(options.host, 'options.host');
  const port = requirePort(options.port, 'options.port');
  const backlog = requireIntInRange(
    options.backlog ?? DEFAULT_BACKLOG,
    'options.backlog',
    1,
    65535,
  );
  const { flags, mark } = encodeSocketOptions(options, { reuseAddr: true });
  return callNative(`listen on ${hostPort(address, family, port)} (TCP)`, (addon) =>
    addon.inetBind(nsfd, family, address, port, KIND_TCP, backlog, flags, mark),
  );
}

/**
 * Creates a bound UDP socket inside `netns` and returns its fd for
 * `dgram.createSocket(type).bind({fd})` (ztunnel's DNS proxy on 15053).
 */
export function bindUdpInNetns(netns: NetnsFd | null, options: BindUdpOptions): number {
  const nsfd = netns === null ? null : requireFd(netns, 'netns');
  const { address, family } = requireIpAddress(options.host, 'options.host');
  const port = requirePort(options.port, 'options.port');
  const { flags, mark } = encodeSocketOptions(options);
  return callNative(`bind ${hostPort(address, family, port)} (UDP)`, (addon) =>
    addon.inetBind(nsfd, family, address, port, KIND_UDP, 0, flags, mark),
  );
}

export function hostPort(address: string, family: 4 | 6, port: number): string {
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
