// The load generators, run in the driver process against a port: bulk
// upload to the sink, and request/response against the echo server.

import { connect, type Socket } from 'node:net';

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, noDelay: true, allowHalfOpen: true });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

const CHUNK = Buffer.alloc(256 * 1024, 0x5a);

/**
 * Writes `bytes` to the sink in 256 KiB writes (one reused buffer, so the
 * client costs little), half-closes, and waits for the sink's byte count.
 * Resolves with the elapsed milliseconds; rejects if the count is wrong.
 */
export async function upload(port: number, bytes: number): Promise<number> {
  const s = await open(port);
  const t0 = performance.now();
  const reply = new Promise<bigint>((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.once('end', () => {
      const b = Buffer.concat(parts);
      if (b.length !== 8) reject(new Error(`sink replied ${b.length} bytes, expected 8`));
      else resolve(b.readBigUInt64BE(0));
    });
    s.once('error', reject);
  });
  let sent = 0;
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    const pump = (): void => {
      while (sent < bytes) {
        const n = Math.min(CHUNK.length, bytes - sent);
        sent += n;
        if (!s.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
          s.once('drain', pump);
          return;
        }
      }
      s.end();
      resolve();
    };
    pump();
  });
  const counted = await reply;
  const ms = performance.now() - t0;
  s.destroy();
  if (counted !== BigInt(bytes)) throw new Error(`sink counted ${counted} bytes, sent ${bytes}`);
  return ms;
}

/**
 * Asks the source for `bytes` and reads them to EOF. Resolves with the
 * elapsed milliseconds; rejects if the count is wrong.
 */
export async function download(port: number, bytes: number): Promise<number> {
  const s = await open(port);
  const t0 = performance.now();
  const head = Buffer.alloc(8);
  head.writeBigUInt64BE(BigInt(bytes));
  const got = await new Promise<number>((resolve, reject) => {
    let n = 0;
    s.on('data', (c: Buffer) => (n += c.length));
    s.once('end', () => {
      resolve(n);
    });
    s.once('error', reject);
    s.end(head);
  });
  const ms = performance.now() - t0;
  s.destroy();
  if (got !== bytes) throw new Error(`source sent ${got} bytes, asked for ${bytes}`);
  return ms;
}

/** `streams` concurrent uploads sharing `bytes`; resolves with the wall-clock milliseconds. */
export async function parallelUpload(
  port: number,
  bytes: number,
  streams: number,
): Promise<number> {
  const each = Math.floor(bytes / streams);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: streams }, () => upload(port, each)));
  return performance.now() - t0;
}

/** Reads exactly `n` bytes (the echo of one request). */
function readExactly(s: Socket, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const onData = (c: Buffer): void => {
      got += c.length;
      if (got >= n) {
        s.off('data', onData);
        s.off('error', reject);
        if (got > n) reject(new Error(`echo returned ${got} bytes, expected ${n}`));
        else resolve();
      }
    };
    s.on('data', onData);
    s.once('error', reject);
  });
}

/** Sequential request/response on one connection; resolves with each round trip in µs. */
export async function pingPong(
  port: number,
  count: number,
  size: number,
  warmup: number,
): Promise<number[]> {
  const s = await open(port);
  const payload = Buffer.alloc(size, 0x33);
  const samples: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const t0 = process.hrtime.bigint();
    const back = readExactly(s, size);
    s.write(payload);
    await back;
    if (i >= warmup) samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  s.destroy();
  return samples;
}

/** Sequential new connections, each with one echo of `size` bytes; resolves with each in µs. */
export async function connectEcho(port: number, count: number, size: number): Promise<number[]> {
  const payload = Buffer.alloc(size, 0x44);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    const s = await open(port);
    const back = readExactly(s, size);
    s.write(payload);
    await back;
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    s.destroy();
  }
  return samples;
}
