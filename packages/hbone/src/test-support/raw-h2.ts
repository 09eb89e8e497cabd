// A deliberately naive HTTP/2 client that writes frames by hand, so tests can
// send requests node:http2 refuses to build (CONNECT with :path or :scheme,
// upper-case names, connection-specific headers). HPACK: literal fields,
// never indexed, no Huffman.

import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { TestWorkload } from './pki.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const FRAME = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  CONTINUATION: 9,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
};

export interface RawFrame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

function hpackInt(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

function literal(name: string, value: string): Buffer {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  return Buffer.concat([
    Buffer.from([0x00]), // literal without indexing, new name
    Buffer.from(hpackInt(n.length, 7, 0)),
    n,
    Buffer.from(hpackInt(v.length, 7, 0)),
    v,
  ]);
}

export class RawH2 {
  readonly frames: RawFrame[] = [];
  #buf = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  closed = false;

  private constructor(
    readonly socket: TLSSocket,
    private readonly ackSettings: boolean,
  ) {
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      while (this.#buf.length >= 9) {
        const len = this.#buf.readUIntBE(0, 3);
        if (this.#buf.length < 9 + len) break;
        const f: RawFrame = {
          type: this.#buf[3] ?? 0,
          flags: this.#buf[4] ?? 0,
          streamId: this.#buf.readUInt32BE(5) & 0x7fffffff,
          payload: this.#buf.subarray(9, 9 + len),
        };
        this.#buf = this.#buf.subarray(9 + len);
        if (f.type === FRAME.SETTINGS && !(f.flags & 1) && this.ackSettings)
          this.socket.write(frame(FRAME.SETTINGS, 1, 0, Buffer.alloc(0)));
        this.frames.push(f);
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  /**
   * `ackSettings: false` never ACKs the server's SETTINGS, so the server's
   * advertised limits are not yet in force in nghttp2 (RFC 9113 §6.5.3).
   */
  static async open(
    port: number,
    client: TestWorkload,
    opts: { ackSettings?: boolean } = {},
  ): Promise<RawH2> {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      ALPNProtocols: ['h2'],
      cert: client.certChainPem.join('\n'),
      key: client.keyPem,
      ca: [...client.trustBundle.pems],
      checkServerIdentity: () => undefined,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const raw = new RawH2(socket, opts.ackSettings ?? true);
    socket.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(0))]));
    return raw;
  }

  /** Sends a HEADERS frame (END_HEADERS, no END_STREAM) with these fields, in order. */
  headers(streamId: number, fields: [string, string][]): void {
    const block = Buffer.concat(fields.map(([n, v]) => literal(n, v)));
    this.socket.write(frame(FRAME.HEADERS, 0x4, streamId, block));
  }

  /**
   * Sends one header block as HEADERS + CONTINUATION frames of at most
   * `frameBytes` (16 KiB: the most a client may send before the server's
   * SETTINGS are ACKed).
   */
  headerBlock(
    streamId: number,
    fields: [string, string][],
    opts: { frameBytes?: number; endStream?: boolean } = {},
  ): void {
    const block = Buffer.concat(fields.map(([n, v]) => literal(n, v)));
    const size = opts.frameBytes ?? 16 * 1024;
    const out: Buffer[] = [];
    for (let at = 0; at === 0 || at < block.length; at += size) {
      const last = at + size >= block.length;
      const flags = (last ? 0x4 : 0) | (at === 0 && opts.endStream ? 0x1 : 0);
      out.push(
        frame(
          at === 0 ? FRAME.HEADERS : FRAME.CONTINUATION,
          flags,
          streamId,
          block.subarray(at, at + size),
        ),
      );
    }
    this.socket.write(Buffer.concat(out));
  }

  /** HEADERS without END_HEADERS: the block stays open for CONTINUATION frames. */
  openHeaderBlock(streamId: number, fields: [string, string][]): void {
    const block = Buffer.concat(fields.map(([n, v]) => literal(n, v)));
    this.socket.write(frame(FRAME.HEADERS, 0, streamId, block));
  }

  /** CONTINUATION frames without END_HEADERS, each carrying one small field. Resolves when written. */
  continuations(streamId: number, count: number): Promise<void> {
    const one = frame(FRAME.CONTINUATION, 0, streamId, literal('x-pad', 'p'.repeat(64)));
    return new Promise((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      this.socket.write(Buffer.concat(Array.from({ length: count }, () => one)), () => {
        resolve();
      });
    });
  }

  /**
   * `count` CONNECT requests, each reset by us right after it was sent (the
   * rapid-reset pattern), from stream id `firstId` on. Resolves when written.
   */
  rapidReset(firstId: number, count: number, fields: [string, string][]): Promise<void> {
    const block = Buffer.concat(fields.map(([n, v]) => literal(n, v)));
    const cancel = Buffer.alloc(4);
    cancel.writeUInt32BE(8); // CANCEL
    const out: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const id = firstId + 2 * i;
      out.push(frame(FRAME.HEADERS, 0x4, id, block), frame(FRAME.RST_STREAM, 0, id, cancel));
    }
    return new Promise((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      this.socket.write(Buffer.concat(out), () => {
        resolve();
      });
    });
  }

  /** The server's GOAWAY error code, once one arrived. */
  goawayCode(): number | undefined {
    const g = this.frames.find((x) => x.type === FRAME.GOAWAY);
    return g?.payload.readUInt32BE(4);
  }

  /** Resolves when the server closed the connection (or after `ms`, with false). */
  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(50, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closed;
  }

  /**
   * The :status of the response on `streamId`, decoding what nghttp2 sends
   * for it: an indexed static entry (200 … 500) or a literal with the
   * static name `:status` and a plain (non-Huffman) value.
   */
  async status(streamId: number): Promise<number | { rst: number }> {
    const o = await this.outcome(streamId);
    if (o.kind === 'rst') return { rst: o.code };
    const f = this.frames.find((x) => x.streamId === streamId && x.type === FRAME.HEADERS);
    const p = f?.payload ?? Buffer.alloc(0);
    const first = p[0] ?? 0;
    const indexed: Record<number, number> = {
      8: 200,
      9: 204,
      10: 206,
      11: 304,
      12: 400,
      13: 404,
      14: 500,
    };
    if (first & 0x80) return indexed[first & 0x7f] ?? -1;
    const nameIndex = first & 0x40 ? first & 0x3f : first & 0x0f;
    const len = p[1] ?? 0;
    if (nameIndex < 8 || nameIndex > 14 || len & 0x80) return -1;
    return Number(p.subarray(2, 2 + len).toString('latin1'));
  }

  async outcome(
    streamId: number,
  ): Promise<{ kind: 'rst'; code: number } | { kind: 'headers'; firstByte: number }> {
    for (;;) {
      const f = this.frames.find(
        (x) => x.streamId === streamId && (x.type === FRAME.RST_STREAM || x.type === FRAME.HEADERS),
      );
      if (f?.type === FRAME.RST_STREAM) return { kind: 'rst', code: f.payload.readUInt32BE(0) };
      if (f) return { kind: 'headers', firstByte: f.payload[0] ?? -1 };
      const goaway = this.frames.find((x) => x.type === FRAME.GOAWAY);
      if (goaway || this.closed)
        throw new Error(`connection ended before stream ${streamId} got an answer`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}

/** HPACK static table: ':status 200' is index 8, ':status 400' is index 12. */
export const INDEXED_STATUS_200 = 0x80 | 8;
export const INDEXED_STATUS_400 = 0x80 | 12;
