// The client's view of one HBONE tunnel: a Duplex over the CONNECT stream
// that counts payload bytes both ways and maps HTTP/2 endings onto stream
// semantics — END_STREAM is EOF, RST NO_ERROR/CANCEL is a normal close, any
// other reset is an error. Backpressure passes straight through: a full
// HTTP/2 stream buffer holds our writer, a full reader buffer pauses the
// HTTP/2 stream (which then stops granting window to the peer).

import { Duplex } from 'node:stream';
import type { ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import type { SpiffeId } from '@ambient-ts/spiffe';
import type { HboneTarget } from './authority.js';
import {
  closeError,
  onStreamEnd,
  resetStream,
  RST_CANCEL,
  RST_CONNECT_ERROR,
} from './stream-close.js';

export interface TunnelStats {
  /** Payload bytes handed to the tunnel (this side → peer). */
  readonly bytesSent: number;
  /** Payload bytes delivered out of the tunnel (peer → this side). */
  readonly bytesReceived: number;
  /** Set when the tunnel ended abnormally. */
  readonly error?: Error;
}

export interface TunnelInfo {
  readonly target: HboneTarget;
  /** The verified SPIFFE identity of the HBONE server. */
  readonly peer: SpiffeId;
  /** The HBONE server's `ip:port`. */
  readonly destination: string;
  readonly status: number;
  readonly responseHeaders: IncomingHttpHeaders;
}

export class HboneTunnel extends Duplex implements TunnelInfo {
  readonly target: HboneTarget;
  readonly peer: SpiffeId;
  readonly destination: string;
  readonly status: number;
  readonly responseHeaders: IncomingHttpHeaders;
  #bytesSent = 0;
  #bytesReceived = 0;
  #inner: ClientHttp2Stream;
  #pendingWrite: ((err?: Error | null) => void) | undefined;
  #stats: TunnelStats | undefined;

  constructor(
    inner: ClientHttp2Stream,
    info: TunnelInfo,
    highWaterMark: number,
    onClose?: (stats: TunnelStats) => void,
  ) {
    super({ allowHalfOpen: true, highWaterMark, decodeStrings: true });
    this.#inner = inner;
    this.target = info.target;
    this.peer = info.peer;
    this.destination = info.destination;
    this.status = info.status;
    this.responseHeaders = info.responseHeaders;

    const session = inner.session;
    inner.on('data', (chunk: Buffer) => {
      this.#bytesReceived += chunk.length;
      if (!this.push(chunk)) inner.pause();
    });
    onStreamEnd(
      inner,
      info.destination,
      () => {
        if (!this.destroyed) this.push(null);
      },
      (err) => this.destroy(err),
    );
    inner.on('drain', () => {
      this.#releaseWrite();
    });
    // Errors are reported through 'close' with the stream's rstCode.
    inner.on('error', () => undefined);
    inner.on('close', () => {
      this.#releaseWrite();
      if (this.destroyed) return;
      const err = closeError(inner, session, info.destination);
      if (err) {
        this.destroy(err);
        return;
      }
      // Closed normally (both END_STREAMs, or RST NO_ERROR/CANCEL). The EOF
      // reaches our reader through 'end'; nothing more can be sent, so end
      // our writable side too and let the Duplex complete.
      if (!this.writableEnded) this.end();
    });
    this.once('close', () => onClose?.(this.stats));
  }

  get bytesSent(): number {
    return this.#bytesSent;
  }

  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** Counters, plus the error if the tunnel failed; final once 'close' has fired. */
  get stats(): TunnelStats {
    if (this.#stats) return this.#stats;
    const s: TunnelStats = { bytesSent: this.#bytesSent, bytesReceived: this.#bytesReceived };
    if (this.closed) {
      const err = this.errored;
      this.#stats = err ? { ...s, error: err } : s;
    }
    return s;
  }

  override _read(): void {
    this.#inner.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const inner = this.#inner;
    if (inner.destroyed || inner.writableEnded) {
      cb();
      return;
    }
    this.#bytesSent += chunk.length;
    if (inner.write(chunk)) cb();
    else this.#pendingWrite = cb;
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    cb: (err?: Error | null) => void,
  ): void {
    const inner = this.#inner;
    if (inner.destroyed || inner.writableEnded) {
      cb();
      return;
    }
    let ok = true;
    inner.cork();
    for (const { chunk } of chunks) {
      this.#bytesSent += chunk.length;
      ok = inner.write(chunk);
    }
    inner.uncork();
    if (ok) cb();
    else this.#pendingWrite = cb;
  }

  override _final(cb: (err?: Error | null) => void): void {
    const inner = this.#inner;
    if (inner.destroyed || inner.writableEnded) {
      cb();
      return;
    }
    inner.end(() => {
      cb();
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const inner = this.#inner;
    const completed = inner.writableFinished && inner.readableEnded;
    if (!inner.destroyed && !completed) {
      // Our caller's socket failed: tell the far side as CONNECT_ERROR (RFC 9113 §8.5);
      // a plain destroy() is a cancel.
      resetStream(inner, err ? RST_CONNECT_ERROR : RST_CANCEL);
    }
    this.#releaseWrite();
    cb(err);
  }

  #releaseWrite(): void {
    const cb = this.#pendingWrite;
    this.#pendingWrite = undefined;
    cb?.();
  }
}
