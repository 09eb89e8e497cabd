import { createHash, type Hash } from 'node:crypto';
import { constants } from 'node:http2';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionLostError, StreamResetError } from './errors.js';
import type { DialHook, InboundTunnelView } from './server.js';
import {
  drain,
  echo,
  payloadBlocks,
  rig,
  sha256Of,
  tcpUpstream,
  writeAll,
  type Rig,
  type RigOptions,
  type Upstream,
} from './test-support/harness.js';
import type { TunnelStats } from './tunnel.js';
import { netDialer, type TcpDialer } from './client-connection.js';

const MiB = 1024 * 1024;
const STREAM_WINDOW = 4 * MiB;

let r: Rig | undefined;
let up: Upstream | undefined;
afterEach(async () => {
  await r?.close();
  await up?.close();
  r = undefined;
  up = undefined;
});

async function setup(
  handle: (s: Socket) => void,
  opts: RigOptions = {},
): Promise<{ r: Rig; target: string }> {
  up = await tcpUpstream(handle);
  r = await rig(opts);
  return { r, target: `127.0.0.1:${up.port}` };
}

function once<T = void>(emitter: NodeJS.EventEmitter, event: string): Promise<T> {
  return new Promise((res) => emitter.once(event, res as (v: unknown) => void));
}

/** Waits until `read()` stops changing: the flow has stalled (or finished). */
async function settled(read: () => number): Promise<number> {
  let last = -1;
  let stable = 0;
  while (stable < 5) {
    await new Promise((res) => setTimeout(res, 20));
    const now = read();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}

describe('HBONE tunnels: half-close', () => {
  it('forwards the client’s FIN as END_STREAM and still delivers the upstream’s reply after it', async () => {
    const { r, target } = await setup((s) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      // Reply only after the request side is closed: proves the FIN arrived and
      // the reverse direction stayed open.
      s.on('end', () => s.end(`got ${Buffer.concat(chunks).length} bytes`));
    });
    const closed = new Promise<TunnelStats>((res) => {
      void r.pool.connect(r.request(target, { onClose: res })).then((t) => {
        const got = drain(t);
        t.end(Buffer.alloc(1000, 1));
        void got.then(({ bytes }) => {
          expect(bytes).toBe(14);
        });
      });
    });
    const stats = await closed;
    expect(stats).toEqual({ bytesSent: 1000, bytesReceived: 14 });
    await until(() => r.records.length === 1);
    expect(r.records[0]).toMatchObject({ bytesFromClient: 1000, bytesToClient: 14 });
    expect(r.records[0]?.error).toBeUndefined();
  });

  it('forwards the upstream’s FIN as END_STREAM while the client keeps sending', async () => {
    let upstreamGot = 0;
    const upstreamDone = new Promise<number>((resolve) => {
      void setup((s) => {
        s.end('bye'); // FIN first
        s.on('data', (c: Buffer) => (upstreamGot += c.length));
        s.on('end', () => {
          resolve(upstreamGot);
        });
      }).then(async ({ r, target }) => {
        const t = await r.pool.connect(r.request(target));
        const reply = await drain(t); // the client sees EOF while its side is open
        expect(reply.bytes).toBe(3);
        expect(t.writableEnded).toBe(false);
        t.write(Buffer.alloc(5000, 2));
        t.end(Buffer.alloc(5000, 3));
      });
    });
    expect(await upstreamDone).toBe(10_000);
  });
});

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((res) => setTimeout(res, 5));
}

describe('HBONE tunnels: large transfers', () => {
  it('echoes 64 MiB byte-exact and counts every byte on both sides', async () => {
    const { r, target } = await setup(echo);
    const blocks = payloadBlocks(64 * MiB, 7);
    let onClose: TunnelStats | undefined;
    const t = await r.pool.connect(r.request(target, { onClose: (s) => (onClose = s) }));
    const closed = once(t, 'close');
    const received = drain(t);
    await writeAll(t, blocks);
    const got = await received;
    await closed;
    expect(got).toEqual({ bytes: 64 * MiB, sha256: sha256Of(blocks) });
    expect([t.bytesSent, t.bytesReceived]).toEqual([64 * MiB, 64 * MiB]);
    expect(onClose).toEqual({ bytesSent: 64 * MiB, bytesReceived: 64 * MiB });
    await until(() => r.records.length === 1);
    expect(r.records[0]).toMatchObject({ bytesFromClient: 64 * MiB, bytesToClient: 64 * MiB });
  });

  it('carries parallel full-duplex streams on one connection without mixing bytes or deadlocking', async () => {
    const { r, target } = await setup(echo);
    const results = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const blocks = payloadBlocks(2 * MiB + i * 1001, i + 1);
        const t = await r.pool.connect(r.request(target));
        const received = drain(t);
        await writeAll(t, blocks);
        const got = await received;
        return { got, want: { bytes: 2 * MiB + i * 1001, sha256: sha256Of(blocks) } };
      }),
    );
    for (const { got, want } of results) expect(got).toEqual(want);
    expect(r.pool.dialCount).toBe(1);
  });
});

describe('HBONE tunnels: resets', () => {
  it('treats a client cancel as a normal close: the upstream gets a FIN, not a reset', async () => {
    const upstreamEnd = new Promise<string>((resolve) => {
      void setup((s) => {
        s.resume();
        s.on('end', () => {
          resolve('fin');
        });
        s.on('error', (e) => {
          resolve(`error ${e.message}`);
        });
      }).then(async ({ r, target }) => {
        const t = await r.pool.connect(r.request(target));
        t.write('partial');
        t.once('data', () => undefined);
        setImmediate(() => t.destroy());
      });
    });
    expect(await upstreamEnd).toBe('fin');
    await until(() => r!.records.length === 1);
    expect(r!.records[0]?.error).toBeUndefined();
  });

  it('sends CONNECT_ERROR when the client’s side fails, and the upstream sees a TCP reset', async () => {
    const upstreamEnd = new Promise<string>((resolve) => {
      void setup((s) => {
        s.resume();
        s.on('end', () => {
          resolve('fin');
        });
        s.on('error', (e: NodeJS.ErrnoException) => {
          resolve(e.code ?? e.message);
        });
      }).then(async ({ r, target }) => {
        const t = await r.pool.connect(r.request(target));
        t.on('error', () => undefined);
        t.write('partial');
        setImmediate(() => t.destroy(new Error('app socket reset')));
      });
    });
    expect(await upstreamEnd).toBe('ECONNRESET');
    await until(() => r!.records.length === 1);
    expect(r!.records[0]?.error).toBeInstanceOf(StreamResetError);
    expect((r!.records[0]?.error as StreamResetError).rstCode).toBe(
      constants.NGHTTP2_CONNECT_ERROR,
    );
  });

  it('turns an upstream TCP reset into RST_STREAM CONNECT_ERROR at the client', async () => {
    const { r, target } = await setup((s) => {
      s.once('data', () => s.resetAndDestroy());
    });
    const t = await r.pool.connect(r.request(target));
    const failed = once<Error>(t, 'error');
    t.write('trigger');
    t.resume();
    const err: unknown = await failed;
    expect(err).toBeInstanceOf(StreamResetError);
    expect(err instanceof StreamResetError && err.rstCode).toBe(constants.NGHTTP2_CONNECT_ERROR);
  });

  it('reports a lost connection as an error on both sides, never as a clean EOF', async () => {
    let transport: Duplex | undefined;
    const keepSocket: TcpDialer = (dst, opts) =>
      netDialer(dst, opts).then((s) => {
        transport = s;
        return s;
      });
    const { r, target } = await setup(echo, { pool: { dialer: keepSocket } });
    const t = await r.pool.connect(r.request(target));
    const outcome = new Promise<string>((res) => {
      t.on('end', () => {
        res('eof');
      });
      t.on('error', (e) => {
        res(e.constructor.name);
      });
    });
    t.resume();
    t.write('x');
    transport!.destroy();
    expect(await outcome).toBe(ConnectionLostError.name);
    // The server sees the same loss as an error, not as a finished tunnel.
    await until(() => r.records.length === 1);
    expect(r.records[0]?.error).toBeInstanceOf(ConnectionLostError);
  });
});

/** An upstream that accepts writes only when released; models a slow reader. */
class StallingSink extends Duplex {
  received = 0;
  readonly hash: Hash = createHash('sha256');
  #held: (() => void)[] = [];
  #stalled = true;
  constructor() {
    super({ highWaterMark: 64 * 1024, allowHalfOpen: true });
  }
  override _read(): void {}
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.received += chunk.length;
    this.hash.update(chunk);
    if (this.#stalled) this.#held.push(cb);
    else cb();
  }
  override _final(cb: () => void): void {
    this.push(null);
    cb();
  }
  release(): void {
    this.#stalled = false;
    for (const cb of this.#held.splice(0)) cb();
  }
}

describe('HBONE tunnels: backpressure', () => {
  it('holds a fast client to about one stream window when the upstream does not read', async () => {
    const sink = new StallingSink();
    const dial: DialHook = () => Promise.resolve(sink);
    const { r, target } = await setup(echo, { dial });
    const blocks = payloadBlocks(64 * MiB, 3);
    const t = await r.pool.connect(r.request(target));
    t.resume();
    const writing = writeAll(t, blocks);
    const view = (): InboundTunnelView => r.server.tunnels()[0]!;
    await settled(() => t.bytesSent);
    // What the server holds: pulled into the stalled upstream plus still queued in user space.
    const serverHeld = sink.received + view().bufferedTowardsUpstream;
    expect(serverHeld).toBeLessThanOrEqual(STREAM_WINDOW + MiB);
    // The client could only get about one window past what the upstream took.
    expect(t.bytesSent).toBeLessThanOrEqual(STREAM_WINDOW + 2 * MiB);
    sink.release();
    await writing;
    await until(() => sink.writableFinished);
    expect(sink.received).toBe(64 * MiB);
    expect(sink.hash.digest('hex')).toBe(sha256Of(blocks));
  });

  it('holds a fast upstream to about one stream window when the client does not read', async () => {
    const blocks = payloadBlocks(64 * MiB, 5);
    const { r, target } = await setup((s) => {
      void writeAll(s, blocks);
    });
    const t = await r.pool.connect(r.request(target));
    const view = (): InboundTunnelView => r.server.tunnels()[0]!;
    await until(() => r.server.tunnels().length === 1);
    await settled(() => view().bytesToClient);
    expect(view().bufferedTowardsClient).toBeLessThanOrEqual(MiB);
    // Pulled from the upstream ≤ the client's stream window + its tunnel buffer + slack.
    expect(view().bytesToClient).toBeLessThanOrEqual(STREAM_WINDOW + 2 * MiB);
    expect(t.bytesReceived).toBeLessThanOrEqual(STREAM_WINDOW + MiB);
    t.end();
    expect(await drain(t)).toEqual({ bytes: 64 * MiB, sha256: sha256Of(blocks) });
  });
});
