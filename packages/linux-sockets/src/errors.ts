// Typed errors of @ambient-ts/linux-sockets. Every message says what to check.
import { getSystemErrorMap } from 'node:util';
import { hintFor } from './syscall-hints.js';

/** Base class: `err instanceof LinuxSocketsError` catches everything this package throws. */
export class LinuxSocketsError extends Error {
  override readonly name: string = 'LinuxSocketsError';
}

/** Thrown by every function on a platform other than Linux. */
export class UnsupportedPlatformError extends LinuxSocketsError {
  override readonly name = 'UnsupportedPlatformError';
  constructor(readonly platform: string) {
    super(
      `@ambient-ts/linux-sockets needs Linux (network namespaces, SO_MARK, SO_ORIGINAL_DST, ` +
        `SCM_RIGHTS) but this is ${platform}; run ztunnel and the cni-agent on a Linux node`,
    );
  }
}

/** The native addon is not built, or was built for another Node version. */
export class NativeAddonMissingError extends LinuxSocketsError {
  override readonly name = 'NativeAddonMissingError';
  constructor(
    readonly addonPath: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    super(
      `the linux-sockets native addon could not be loaded from ${addonPath} (${why}); ` +
        'run npm install, or npm run build -w packages/linux-sockets (needs python3, make and a ' +
        'C compiler, plus Node headers for this Node version)',
      { cause },
    );
  }
}

/** A caller passed a value the wrapper rejects before any syscall. */
export class InvalidArgumentError extends LinuxSocketsError {
  override readonly name = 'InvalidArgumentError';
  constructor(
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`invalid ${argument}: ${reason}`);
  }
}

const systemErrors = getSystemErrorMap();

/** A syscall failed. `code` is the errno name (ECONNREFUSED, EPERM, ...). */
export class SyscallError extends LinuxSocketsError {
  override readonly name = 'SyscallError';
  /** Errno name, e.g. `ECONNREFUSED`; `E<number>` for one Node does not know. */
  readonly code: string;
  /** Positive errno value. */
  readonly errno: number;
  constructor(
    errno: number,
    /** The failing call, e.g. `setns`, `bind`, `getsockopt(SO_ORIGINAL_DST)`. */
    readonly syscall: string,
    /** What was being done, e.g. `connect to 10.0.0.2:80`. */
    readonly context?: string,
  ) {
    const known = systemErrors.get(-errno);
    const code = known?.[0] ?? `E${errno}`;
    const hint = hintFor(syscall, code);
    super(
      `${syscall} failed with ${code} (${known?.[1] ?? 'unknown error'})` +
        (context === undefined ? '' : ` while trying to ${context}`) +
        (hint === undefined ? '' : `; ${hint}`),
    );
    this.errno = errno;
    this.code = code;
  }
}

/** An fd that should refer to a network namespace refers to something else. */
export class NotANetworkNamespaceError extends LinuxSocketsError {
  override readonly name = 'NotANetworkNamespaceError';
  constructor(
    readonly fd: number,
    readonly actual: string,
  ) {
    super(
      `fd ${fd} is ${actual}, not a network namespace; pass an fd opened from /proc/<pid>/ns/net ` +
        'or /var/run/netns/<name> (or received as the netns fd of a ZDS AddWorkload)',
    );
  }
}

/** A SEQPACKET message was larger than the receive limits; its fds were closed. */
export class SeqpacketTruncatedError extends LinuxSocketsError {
  override readonly name = 'SeqpacketTruncatedError';
  constructor(
    /** Real size of the message in bytes. */
    readonly messageBytes: number,
    readonly maxMessageBytes: number,
    /** The message carried more fds than maxFdsPerMessage (MSG_CTRUNC). */
    readonly fdsTruncated: boolean,
    readonly maxFdsPerMessage: number,
  ) {
    const dataTruncated = messageBytes > maxMessageBytes;
    super(
      'SEQPACKET message truncated: ' +
        [
          dataTruncated ? `${messageBytes} bytes exceed maxMessageBytes ${maxMessageBytes}` : '',
          fdsTruncated ? `more fds than maxFdsPerMessage ${maxFdsPerMessage}` : '',
        ]
          .filter((s) => s !== '')
          .join(' and ') +
        '; the message and its fds were dropped and the connection closed, as the peer and this ' +
        'side disagree on message limits (raise the limits or fix the sender)',
    );
  }
}

/** An operation on a SeqpacketSocket/SeqpacketServer that is already closed. */
export class SocketClosedError extends LinuxSocketsError {
  override readonly name = 'SocketClosedError';
  constructor(readonly operation: string) {
    super(`cannot ${operation}: the socket is closed (it was closed locally or the peer hung up)`);
  }
}

/** connectTcpInNetns was aborted through its AbortSignal. */
export class ConnectAbortedError extends LinuxSocketsError {
  override readonly name = 'ConnectAbortedError';
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    super(`connect to ${target} was aborted by its AbortSignal`, { cause });
  }
}

/** Narrows a caught value for a Promise rejection; everything this package throws is an Error already. */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
