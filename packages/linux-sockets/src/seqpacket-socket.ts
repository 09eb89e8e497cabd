// One connected unix SOCK_SEQPACKET socket: whole messages with fds attached
// (SCM_RIGHTS), driven by a uv_poll on the event loop. ZDS (istio-cni <->
// ztunnel) runs on this.
import { EventEmitter } from 'node:events';
import { asError, SeqpacketTruncatedError, SocketClosedError, SyscallError } from './errors.js';
import {
  callNative,
  nativeAddon,
  POLL_DISCONNECT,
  POLL_READABLE,
  POLL_WRITABLE,
  translateNativeError,
  type NativeAddon,
  type NativePoller,
} from './native-addon.js';
import {
  requireFd,
  requireFdList,
  requireIntInRange,
  requireMessage,
  SCM_MAX_FD,
} from './validate.js';

export interface SeqpacketSocketOptions {
  /** Largest message accepted (default 64 KiB); a bigger one is a SeqpacketTruncatedError. ztunnel reads ZDS with 1024. */
  readonly maxMessageBytes?: number;
  /** Most fds one message may carry (default and maximum 253); more is a SeqpacketTruncatedError. */
  readonly maxFdsPerMessage?: number;
}

export interface SeqpacketSocketEvents {
  /** One message. The fds are CLOEXEC and belong to the listener, which must close them. */
  message: [data: Buffer, fds: number[]];
  /** A receive or poll error, or a truncated message; 'close' follows. Send errors reject send() instead. */
  error: [error: Error];
  /** The socket is closed (locally, by the peer, or after an error). Emitted once. */
  close: [];
}

interface Limits {
  readonly maxMessageBytes: number;
  readonly maxFdsPerMessage: number;
}

interface PendingSend {
  readonly data: Uint8Array;
  readonly fds: readonly number[];
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
/** Messages read per readiness callback, so one busy peer cannot starve the loop; the poll is level-triggered and calls back for the rest. */
const READS_PER_WAKEUP = 64;
/** Send failures that concern one message only; the connection stays usable. */
const PER_MESSAGE_SEND_ERRORS = new Set([
  'EMSGSIZE',
  'ETOOMANYREFS',
  'EBADF',
  'EINVAL',
  'ENOBUFS',
  'ENOMEM',
]);

export function resolveLimits(options: SeqpacketSocketOptions): Limits {
  return {
    maxMessageBytes: requireIntInRange(
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      'options.maxMessageBytes',
      1,
      64 * 1024 * 1024,
    ),
    maxFdsPerMessage: requireIntInRange(
      options.maxFdsPerMessage ?? SCM_MAX_FD,
      'options.maxFdsPerMessage',
      0,
      SCM_MAX_FD,
    ),
  };
}

/**
 * A connected SOCK_SEQPACKET socket. Obtain one from connectSeqpacket() or a
 * SeqpacketServer's 'connection' event, or adopt an fd you own with
 * `new SeqpacketSocket(fd)` (the socket then owns and closes it).
 */
export class SeqpacketSocket extends EventEmitter<SeqpacketSocketEvents> {
  readonly #fd: number;
  readonly #limits: Limits;
  readonly #addon: NativeAddon;
  readonly #poller: NativePoller;
  readonly #queue: PendingSend[] = [];
  #closed = false;
  #paused = false;

  constructor(fd: number, options: SeqpacketSocketOptions = {}) {
    super();
    this.#fd = requireFd(fd);
    this.#limits = resolveLimits(options);
    this.#addon = nativeAddon();
    this.#poller = callNative(
      'watch the SEQPACKET socket',
      (addon) =>
        new addon.Poller(fd, (status, events) => {
          this.#onPoll(status, events);
        }),
    );
    this.#updatePoll();
  }

  /** The socket's fd (owned by this object). */
  get fd(): number {
    return this.#fd;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Messages accepted by send() and not yet handed to the kernel (waiting for the peer to read). */
  get pendingSends(): number {
    return this.#queue.length;
  }

  /**
   * Sends one message (boundaries are kept) with `fds` attached via
   * SCM_RIGHTS. The kernel duplicates the fds: the caller keeps its own and may
   * close them once this resolves. Messages go out in call order; when the
   * peer's queue is full they wait, without blocking, until it reads.
   */
  send(data: Uint8Array, fds: readonly number[] = []): Promise<void> {
    try {
      requireMessage(data);
      requireFdList(fds);
    } catch (error) {
      return Promise.reject(asError(error));
    }
    if (this.#closed) return Promise.reject(new SocketClosedError('send'));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ data, fds: [...fds], resolve, reject });
      if (this.#queue.length === 1) this.#flush();
    });
  }

  /** Stops reading until resume(); the peer's sends then queue up and finally wait. */
  pause(): this {
    this.#paused = true;
    this.#updatePoll();
    return this;
  }

  resume(): this {
    this.#paused = false;
    this.#updatePoll();
    return this;
  }

  /** Keeps the process alive while the socket is open (the default). */
  ref(): this {
    if (!this.#closed) this.#poller.ref();
    return this;
  }

  /** Lets the process exit even though the socket is open. */
  unref(): this {
    if (!this.#closed) this.#poller.unref();
    return this;
  }

  /** Closes the socket; pending sends reject with SocketClosedError. Idempotent. */
  close(): void {
    this.#destroy(undefined);
  }

  #onPoll(status: number, events: number): void {
    if (this.#closed) return;
    if (status < 0) {
      // POLLERR: the cause (e.g. ECONNRESET) is in SO_ERROR.
      let cause = -status;
      try {
        cause = this.#addon.socketError(this.#fd) || cause;
      } catch {
        // keep the poll status
      }
      this.#destroy(new SyscallError(cause, 'poll', 'wait on the SEQPACKET socket'));
      return;
    }
    if ((events & POLL_WRITABLE) !== 0) this.#flush();
    if ((events & (POLL_READABLE | POLL_DISCONNECT)) !== 0) this.#read();
  }

  #read(): void {
    const { maxMessageBytes, maxFdsPerMessage } = this.#limits;
    for (let i = 0; i < READS_PER_WAKEUP && !this.#closed && !this.#paused; i++) {
      let result;
      try {
        result = this.#addon.seqpacketRecv(this.#fd, maxMessageBytes, maxFdsPerMessage);
      } catch (error) {
        this.#destroy(translateNativeError(error, 'receive a SEQPACKET message') as Error);
        return;
      }
      if (result === null) return;
      if ('eof' in result) {
        this.#destroy(undefined);
        return;
      }
      if ('truncated' in result) {
        this.#destroy(
          new SeqpacketTruncatedError(
            result.length,
            maxMessageBytes,
            (result.truncated & 2) !== 0,
            maxFdsPerMessage,
          ),
        );
        return;
      }
      if (!this.emit('message', result.data, result.fds)) {
        // Nobody took ownership of the fds: close them rather than leak them.
        for (const fd of result.fds) this.#addon.closeFd(fd);
      }
    }
  }

  #flush(): void {
    while (!this.#closed) {
      const next = this.#queue[0];
      if (next === undefined) break;
      let sent: boolean;
      try {
        sent = this.#addon.seqpacketSend(this.#fd, next.data, next.fds);
      } catch (error) {
        this.#queue.shift();
        const typed = translateNativeError(error, 'send a SEQPACKET message') as Error;
        next.reject(typed);
        if (typed instanceof SyscallError && PER_MESSAGE_SEND_ERRORS.has(typed.code)) continue;
        // The connection is gone (EPIPE, ECONNRESET...): the rejection reported it.
        this.#destroy(undefined);
        return;
      }
      if (!sent) break;
      this.#queue.shift();
      next.resolve();
    }
    this.#updatePoll();
  }

  #updatePoll(): void {
    if (this.#closed) return;
    let events = 0;
    if (!this.#paused) events |= POLL_READABLE | POLL_DISCONNECT;
    if (this.#queue.length > 0) events |= POLL_WRITABLE;
    if (events === 0) this.#poller.stop();
    else this.#poller.start(events);
  }

  #destroy(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#poller.close();
    try {
      this.#addon.closeFd(this.#fd);
    } catch {
      // Already gone; nothing left to release.
    }
    for (const pending of this.#queue.splice(0)) pending.reject(new SocketClosedError('send'));
    process.nextTick(() => {
      if (error !== undefined) this.emit('error', error);
      this.emit('close');
    });
  }
}
