// Sits between the TLS socket and node:http2 to prevent a deadlock.
//
// node:http2 stops reading its socket while a socket write is in progress
// (Http2Session::MaybeStopReading in node_http2.cc). When both peers push bulk
// data at once — full-duplex tunnels, or many streams each way — both kernel
// send buffers fill, both writes stay in progress, both sides stop reading,
// and neither write ever completes. Seen in tests with 8 parallel echo
// streams on one connection.
//
// So the server's http2 gets this Duplex instead of the TLS socket: its
// writes complete at once (queued on the TLS socket), so http2 never sees a
// write in progress and keeps reading. One side that always reads is enough
// to break the cycle: the client's writes then always complete, and it
// resumes reading. The client keeps node:http2's native socket path, which is
// faster (this Duplex costs the server about 10% of bulk throughput; both
// sides eager cost about 30%, measured with tools/bench). The queue cannot grow without bound: HTTP/2 flow control
// lets nghttp2 produce DATA only within the peer's connection window, so the
// queue holds at most that window plus small control frames. As a guard
// against a peer that advertises an outsized window and then stops reading,
// writes beyond `maxQueuedBytes` wait for 'drain' (the old behaviour).

import { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

export class EagerSocket extends Duplex {
  readonly #socket: TLSSocket;
  readonly #maxQueued: number;
  #held: (() => void) | undefined;

  constructor(socket: TLSSocket, maxQueuedBytes: number) {
    // A small readable buffer: http2 consumes every chunk at once anyway.
    super({
      allowHalfOpen: false,
      readableHighWaterMark: 64 * 1024,
      writableHighWaterMark: maxQueuedBytes,
    });
    this.#socket = socket;
    this.#maxQueued = maxQueuedBytes;
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('drain', () => {
      this.#release();
    });
    socket.on('error', (err: Error) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  /** The TLS socket underneath, for addresses and the peer certificate. */
  get tlsSocket(): TLSSocket {
    return this.#socket;
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#socket.write(chunk);
    this.#complete(cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    const s = this.#socket;
    s.cork();
    for (const { chunk } of chunks) s.write(chunk);
    s.uncork();
    this.#complete(cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#socket.end(() => {
      cb();
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#release();
    this.#socket.destroy(err ?? undefined);
    cb(err);
  }

  #complete(cb: () => void): void {
    if (this.#socket.writableLength <= this.#maxQueued) cb();
    else this.#held = cb;
  }

  #release(): void {
    const cb = this.#held;
    this.#held = undefined;
    cb?.();
  }
}
