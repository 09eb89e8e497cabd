// An HTTP/1.1 client that keeps one connection (a TCP socket or an HBONE
// tunnel, whatever `open` returns) and sends one fixed request at a time on
// it, as a pod's app with keep-alive would. The same few bytes go out on
// every path, so a benchmark compares the paths and not the clients; node's
// http.Agent cannot pool an HBONE tunnel, which is not a net.Socket.

import type { Duplex } from 'node:stream';
import { readHttp1Response, type Http1Response } from './http1-response.js';

/** `GET <path>` with the given header fields, as wire bytes. */
export function getRequest(path: string, headers: Readonly<Record<string, string>>): Buffer {
  const fields = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  return Buffer.from(`GET ${path} HTTP/1.1\r\n${fields.join('')}\r\n`, 'latin1');
}

export class KeepAliveClient {
  /** Connections opened after the first because the server closed one. */
  reconnects = 0;
  #stream: Duplex | undefined;
  #opened = 0;
  #buf: Buffer = Buffer.alloc(0);
  #pending: { stream: Duplex; resolve(r: Http1Response): void; reject(e: Error): void } | undefined;

  constructor(
    private readonly open: () => Promise<Duplex>,
    private readonly request: Buffer,
  ) {}

  /** Sends the request and resolves with the complete response. One at a time. */
  async send(): Promise<Http1Response> {
    if (this.#pending) throw new Error('KeepAliveClient: a request is already in flight');
    const stream = this.#stream ?? (await this.#connect());
    return new Promise((resolve, reject) => {
      this.#pending = { stream, resolve, reject };
      stream.write(this.request);
    });
  }

  close(): void {
    this.#stream?.destroy();
    this.#stream = undefined;
  }

  async #connect(): Promise<Duplex> {
    const stream = await this.open();
    if (this.#opened++ > 0) this.reconnects++;
    this.#buf = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      this.#onData(stream, chunk);
    });
    const gone = (err?: Error): void => {
      if (this.#stream === stream) this.#stream = undefined;
      this.#fail(stream, err ?? new Error('connection closed before the response was complete'));
    };
    stream.once('error', gone);
    stream.once('close', () => {
      gone();
    });
    stream.once('end', () => {
      gone();
    });
    this.#stream = stream;
    return stream;
  }

  #onData(stream: Duplex, chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    let response: Http1Response | undefined;
    try {
      response = readHttp1Response(this.#buf);
    } catch (err) {
      stream.destroy();
      this.#fail(stream, err as Error);
      return;
    }
    if (!response) return;
    this.#buf = this.#buf.subarray(response.consumed);
    if (!response.keepAlive) {
      // The next send() opens a new connection.
      if (this.#stream === stream) this.#stream = undefined;
      stream.destroy();
    }
    const pending = this.#pending;
    if (pending?.stream !== stream) {
      // Nobody asked: the server is out of step with us.
      stream.destroy();
      return;
    }
    this.#pending = undefined;
    pending.resolve(response);
  }

  /** Fails the request in flight if it was sent on `stream`. */
  #fail(stream: Duplex, err: Error): void {
    const pending = this.#pending;
    if (pending?.stream !== stream) return;
    this.#pending = undefined;
    pending.reject(err);
  }
}
