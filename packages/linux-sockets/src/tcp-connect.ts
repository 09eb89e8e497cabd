// Outbound TCP from inside a network namespace, with SO_MARK / IP_TRANSPARENT
// set before the SYN leaves, resolving to a connected fd for Node to adopt.
import { constants as osConstants } from 'node:os';
import { asError, ConnectAbortedError, InvalidArgumentError, SyscallError } from './errors.js';
import { hostPort } from './inet-listen.js';
import {
  callNative,
  nativeAddon,
  POLL_WRITABLE,
  translateNativeError,
  type NativePoller,
} from './native-addon.js';
import type { NetnsFd } from './netns.js';
import { encodeSocketOptions, type SocketOptions } from './socket-options.js';
import {
  requireDestinationPort,
  requireFd,
  requireIpAddress,
  requirePort,
  requireTimeoutMs,
} from './validate.js';

export interface ConnectTcpOptions extends Omit<SocketOptions, 'ipv6Only'> {
  /** IPv4 or IPv6 literal of the destination. */
  readonly host: string;
  readonly port: number;
  /** Source address to bind (with transparent: true it may be one the namespace does not own, e.g. the original client IP). */
  readonly localAddress?: string;
  /** Source port; 0 or unset lets the kernel pick. */
  readonly localPort?: number;
  /** Give up after this many ms with ETIMEDOUT; unset leaves it to the kernel's SYN retries (about 2 minutes). */
  readonly timeoutMs?: number;
  /** Aborting closes the socket and rejects with ConnectAbortedError. */
  readonly signal?: AbortSignal;
}

/**
 * Connects from inside `netns` (null: the caller's own namespace). The socket
 * is created in the namespace synchronously; the connect then completes on
 * the event loop (a uv_poll on the fd) without blocking it. Resolves with the
 * connected fd for `new net.Socket({fd, readable: true, writable: true})`;
 * rejects with a SyscallError (code ECONNREFUSED, ETIMEDOUT, EADDRNOTAVAIL...)
 * and closes the fd on failure.
 */
export function connectTcpInNetns(
  netns: NetnsFd | null,
  options: ConnectTcpOptions,
): Promise<number> {
  try {
    return startConnect(netns, options);
  } catch (error) {
    return Promise.reject(asError(error));
  }
}

function startConnect(netns: NetnsFd | null, options: ConnectTcpOptions): Promise<number> {
  const nsfd = netns === null ? null : requireFd(netns, 'netns');
  const { address, family } = requireIpAddress(options.host, 'options.host');
  const port = requireDestinationPort(options.port, 'options.port');
  let localAddress: string | null = null;
  if (options.localAddress !== undefined) {
    const local = requireIpAddress(options.localAddress, 'options.localAddress');
    if (local.family !== family) {
      throw new InvalidArgumentError(
        'options.localAddress',
        `${local.address} is IPv${local.family} but the destination ${address} is IPv${family}`,
      );
    }
    localAddress = local.address;
  }
  const localPort = requirePort(options.localPort ?? 0, 'options.localPort');
  const timeoutMs =
    options.timeoutMs === undefined ? undefined : requireTimeoutMs(options.timeoutMs);
  const { flags, mark } = encodeSocketOptions(options);
  const target = hostPort(address, family, port);
  const context = `connect to ${target}`;
  const { signal } = options;
  if (signal?.aborted === true)
    return Promise.reject(new ConnectAbortedError(target, signal.reason));

  const [fd, pending] = callNative(context, (addon) =>
    addon.tcpConnect(nsfd, family, address, port, flags, mark, localAddress, localPort),
  );
  if (!pending) return Promise.resolve(fd);

  return waitForConnect(fd, context, timeoutMs, signal, target);
}

/** Waits on the event loop for a pending connect on `fd`; closes the fd on failure. */
function waitForConnect(
  fd: number,
  context: string,
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
  target: string,
): Promise<number> {
  const addon = nativeAddon();
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let poller: NativePoller | undefined;
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // Stop watching before the fd is closed or handed to Node: libuv must
      // not have two watchers on one fd.
      poller?.close();
      if (error === undefined) {
        resolve(fd);
        return;
      }
      try {
        addon.closeFd(fd);
      } catch {
        // The fd is unusable either way; the connect error is what matters.
      }
      reject(error);
    };
    const onAbort = (): void => {
      finish(new ConnectAbortedError(target, signal?.reason));
    };
    // POLLERR arrives as status < 0 with the real cause in SO_ERROR, so the
    // outcome is always read from SO_ERROR first.
    const onWritable = (status: number): void => {
      let socketErrno: number;
      try {
        socketErrno = addon.socketError(fd);
      } catch (error) {
        finish(asError(translateNativeError(error, context)));
        return;
      }
      if (socketErrno !== 0) finish(new SyscallError(socketErrno, 'connect', context));
      else if (status < 0) finish(new SyscallError(-status, 'poll', context));
      else finish(undefined);
    };
    try {
      poller = new addon.Poller(fd, onWritable);
      poller.start(POLL_WRITABLE);
    } catch (error) {
      finish(asError(translateNativeError(error, context)));
      return;
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        finish(
          new SyscallError(
            osConstants.errno.ETIMEDOUT,
            'connect',
            `${context} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
