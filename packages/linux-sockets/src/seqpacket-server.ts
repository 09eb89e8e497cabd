// A listening unix SOCK_SEQPACKET socket (the ZDS server side: istio-cni's
// node agent listens on /var/run/ztunnel/ztunnel.sock) and the client connect.
import { EventEmitter } from 'node:events';
import { lstatSync, unlinkSync } from 'node:fs';
import { asError, SyscallError } from './errors.js';
import {
  callNative,
  nativeAddon,
  POLL_READABLE,
  translateNativeError,
  type NativeAddon,
  type NativePoller,
} from './native-addon.js';
import { resolveLimits, SeqpacketSocket, type SeqpacketSocketOptions } from './seqpacket-socket.js';
import { requireIntInRange, requireOptionalBoolean, requireUnixPath } from './validate.js';

export interface ListenSeqpacketOptions extends SeqpacketSocketOptions {
  /** listen() backlog; default 128. */
  readonly backlog?: number;
  /**
   * Remove a unix socket file already at `path` (left by a previous run)
   * before binding. Only socket files are removed, never other files.
   */
  readonly replaceExisting?: boolean;
}

export interface SeqpacketServerEvents {
  /** A new connection; it carries the server's message limits. Closed at once when nobody listens for this event. */
  connection: [socket: SeqpacketSocket];
  /** An accept error (e.g. EMFILE); the server keeps listening after a short pause. */
  error: [error: Error];
  close: [];
}

const DEFAULT_BACKLOG = 128;
/** Connections accepted per readiness callback, so a connection storm cannot starve the loop. */
const ACCEPTS_PER_WAKEUP = 64;
/** Pause after an accept error (EMFILE...), which would otherwise repeat at once on a level-triggered poll. */
const ACCEPT_ERROR_BACKOFF_MS = 100;

/** A listening SEQPACKET socket; create it with listenSeqpacket(). */
export class SeqpacketServer extends EventEmitter<SeqpacketServerEvents> {
  readonly path: string;
  readonly #fd: number;
  readonly #inode: number;
  readonly #options: SeqpacketSocketOptions;
  readonly #addon: NativeAddon;
  readonly #poller: NativePoller;
  #closed = false;
  #backoff: NodeJS.Timeout | undefined;

  /** @internal Use listenSeqpacket(). */
  constructor(fd: number, path: string, options: SeqpacketSocketOptions) {
    super();
    this.path = path;
    this.#fd = fd;
    this.#options = options;
    this.#addon = nativeAddon();
    this.#inode = lstatSync(path).ino;
    this.#poller = new this.#addon.Poller(fd, (status) => {
      this.#onReadable(status);
    });
    this.#poller.start(POLL_READABLE);
  }

  get closed(): boolean {
    return this.#closed;
  }

  ref(): this {
    if (!this.#closed) this.#poller.ref();
    return this;
  }

  unref(): this {
    if (!this.#closed) this.#poller.unref();
    return this;
  }

  /**
   * Stops listening and removes the socket file (if it is still ours).
   * Accepted connections stay open. Idempotent; emits 'close' once.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#backoff !== undefined) clearTimeout(this.#backoff);
    this.#poller.close();
    this.#addon.closeFd(this.#fd);
    try {
      const stat = lstatSync(this.path);
      if (stat.isSocket() && stat.ino === this.#inode) unlinkSync(this.path);
    } catch {
      // Already removed by someone else: nothing to clean up.
    }
    process.nextTick(() => this.emit('close'));
  }

  #onReadable(status: number): void {
    if (this.#closed) return;
    if (status < 0) {
      this.#pauseAfterError(
        new SyscallError(-status, 'poll', `wait for connections on ${this.path}`),
      );
      return;
    }
    for (let i = 0; i < ACCEPTS_PER_WAKEUP && !this.#closed; i++) {
      let fd: number;
      try {
        fd = this.#addon.seqpacketAccept(this.#fd);
      } catch (error) {
        this.#pauseAfterError(translateNativeError(error, `accept on ${this.path}`) as Error);
        return;
      }
      if (fd < 0) return;
      let socket: SeqpacketSocket;
      try {
        socket = new SeqpacketSocket(fd, this.#options);
      } catch (error) {
        this.#addon.closeFd(fd);
        this.emit('error', error as Error);
        continue;
      }
      if (!this.emit('connection', socket)) socket.close();
    }
  }

  #pauseAfterError(error: Error): void {
    this.#poller.stop();
    this.#backoff = setTimeout(() => {
      this.#backoff = undefined;
      if (!this.#closed) this.#poller.start(POLL_READABLE);
    }, ACCEPT_ERROR_BACKOFF_MS);
    this.emit('error', error);
  }
}

/**
 * Listens on a unix SOCK_SEQPACKET socket at `path` (bind + listen happen
 * synchronously, so errors such as EADDRINUSE throw here).
 */
export function listenSeqpacket(
  path: string,
  options: ListenSeqpacketOptions = {},
): SeqpacketServer {
  requireUnixPath(path);
  resolveLimits(options);
  const backlog = requireIntInRange(
    options.backlog ?? DEFAULT_BACKLOG,
    'options.backlog',
    1,
    65535,
  );
  if (requireOptionalBoolean(options.replaceExisting, 'options.replaceExisting') === true) {
    removeStaleSocket(path);
  }
  const fd = callNative(`listen on the unix socket ${path}`, (addon) =>
    addon.seqpacketListen(path, backlog),
  );
  try {
    return new SeqpacketServer(fd, path, options);
  } catch (error) {
    nativeAddon().closeFd(fd);
    throw error;
  }
}

/** Connects to a SOCK_SEQPACKET server at `path` (ztunnel's side of ZDS). */
export function connectSeqpacket(
  path: string,
  options: SeqpacketSocketOptions = {},
): Promise<SeqpacketSocket> {
  try {
    requireUnixPath(path);
    resolveLimits(options);
    const fd = callNative(`connect to the unix socket ${path}`, (addon) =>
      addon.seqpacketConnect(path),
    );
    try {
      return Promise.resolve(new SeqpacketSocket(fd, options));
    } catch (error) {
      nativeAddon().closeFd(fd);
      throw error;
    }
  } catch (error) {
    return Promise.reject(asError(error));
  }
}

function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
