// Two connected in-process Duplex streams: what one end writes, the other
// reads, with backpressure (a write completes only once the reader has room)
// and half-close (end() on one side is EOF on the other). The HBONE tunnel is
// relayed into one end and node:http / node:http2 serve the other, so a
// tunnel's requests reach the HTTP parser without a loopback TCP hop: no port
// another local process could connect from or impersonate, and no kernel
// round trip per chunk. Node 20 has no stream.duplexPair (22.6+).
//
// node:http arms socket.setTimeout for keep-alive idleness; the ends
// implement it (idle = nothing read or written for `ms`) and take
// setNoDelay/setKeepAlive as no-ops.

import { Duplex } from 'node:stream';

export class StreamEnd extends Duplex {
  #peer: StreamEnd | undefined;
  /** The peer's write callback, held while our readable buffer is full. */
  #blockedWrite: ((err?: Error | null) => void) | undefined;
  #idleMs = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #lastActive = 0;

  private constructor() {
    super({ allowHalfOpen: true });
  }

  /** A connected pair: `[a, b]`, a's writes are b's reads and the reverse. */
  static pair(): [StreamEnd, StreamEnd] {
    const a = new StreamEnd();
    const b = new StreamEnd();
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (err?: Error | null) => void,
  ): void {
    const peer = this.#peer;
    if (!peer || peer.destroyed || peer.readableEnded) {
      callback(new Error('the other end of the in-process stream is closed'));
      return;
    }
    this.#touch();
    peer.#touch();
    if (peer.push(chunk)) callback();
    else peer.#blockedWrite = callback;
  }

  override _read(): void {
    const release = this.#blockedWrite;
    this.#blockedWrite = undefined;
    release?.();
  }

  override _final(callback: (err?: Error | null) => void): void {
    const peer = this.#peer;
    if (peer && !peer.destroyed) peer.push(null);
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#clearIdle();
    // A writer waiting on us will never be read: let it go, then close its end too.
    const release = this.#blockedWrite;
    this.#blockedWrite = undefined;
    release?.();
    const peer = this.#peer;
    if (peer && !peer.destroyed) peer.destroy();
    callback(err);
  }

  setTimeout(ms: number, onTimeout?: () => void): this {
    this.#idleMs = ms;
    if (onTimeout) this.once('timeout', onTimeout);
    this.#clearIdle();
    this.#touch();
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  /** Activity: pushes the idle deadline back (one timer per idle period, not per chunk). */
  #touch(): void {
    this.#lastActive = Date.now();
    if (this.#idleMs <= 0 || this.destroyed || this.#idleTimer) return;
    this.#armIdle(this.#idleMs);
  }

  #armIdle(ms: number): void {
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#idleMs <= 0 || this.destroyed) return;
      const idle = Date.now() - this.#lastActive;
      if (idle >= this.#idleMs) this.emit('timeout');
      else this.#armIdle(this.#idleMs - idle);
    }, ms);
    this.#idleTimer.unref();
  }

  #clearIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }
}
