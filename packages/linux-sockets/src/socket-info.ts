// Lookups and options on existing socket fds: bound address, original
// destination of a REDIRECTed connection, SO_MARK, and the fd of a Node socket.
import type { Server, Socket } from 'node:net';
import { InvalidArgumentError } from './errors.js';
import { callNative, type SocketAddress } from './native-addon.js';
import { requireFd, requireMark } from './validate.js';

/** The address an fd is bound to (getsockname), e.g. the port picked for port 0. */
export function localAddressOf(fd: number): SocketAddress {
  requireFd(fd);
  return callNative(`read the local address of fd ${fd}`, (addon) => addon.localAddress(fd));
}

/**
 * The destination the client dialled before an iptables/ip6tables nat REDIRECT
 * sent it to this listener (SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST). For an
 * accepted Node socket pass socketFd(socket). An IPv4 client accepted on a
 * dual-stack "::" listener reports family 4.
 */
export function getOriginalDst(fd: number): SocketAddress {
  requireFd(fd);
  return callNative(`read the original destination of fd ${fd}`, (addon) => addon.originalDst(fd));
}

/** Sets SO_MARK on an existing socket; packets sent from now on carry it. Needs CAP_NET_ADMIN. */
export function setMark(fd: number, mark: number): void {
  requireFd(fd);
  requireMark(mark);
  callNative(`set mark 0x${mark.toString(16)} on fd ${fd}`, (addon) => {
    addon.setMark(fd, mark);
  });
}

/** Reads SO_MARK of a socket (0 when unmarked). */
export function getMark(fd: number): number {
  requireFd(fd);
  return callNative(`read the mark of fd ${fd}`, (addon) => addon.getMark(fd));
}

/**
 * The fd under a Node TCP socket or server (its libuv handle's `fd`; Linux,
 * undocumented). It stays owned by Node: use it for lookups and options,
 * never close it.
 */
export function socketFd(socket: Socket | Server): number {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new InvalidArgumentError(
      'socket',
      'it has no file descriptor: it is not connected/listening yet, already closed, or not a TCP socket',
    );
  }
  return fd;
}
