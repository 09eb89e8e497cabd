// Load for the benchmark: a bulk upload (throughput) and an open-loop,
// fixed-rate request/response run whose latency is measured from each
// request's scheduled time (so a stall counts against every request it
// delays, not just one).

import type { Socket } from 'node:net';

export interface RateResult {
  readonly sent: number;
  readonly completed: number;
  /** Latencies in ms from scheduled send to full response. */
  readonly latenciesMs: readonly number[];
  readonly elapsedMs: number;
}

/** Uploads `bytes`, half-closes, and waits for the sink's 8-byte count; returns ms. */
export function bulkUpload(s: Socket, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    let left = bytes;
    const start = performance.now();
    let reply = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      reply = Buffer.concat([reply, d]);
    });
    s.once('end', () => {
      const got = reply.length >= 8 ? Number(reply.readBigUInt64BE(0)) : -1;
      s.destroy();
      if (got !== bytes) reject(new Error(`the sink counted ${got} bytes, expected ${bytes}`));
      else resolve(performance.now() - start);
    });
    s.once('error', reject);
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          s.once('drain', pump);
          return;
        }
      }
      s.end();
    };
    pump();
  });
}

/**
 * Sends `rate` requests per second for `seconds` over `sockets` (round robin,
 * pipelined on each), each `size` bytes, answered by an echo of the same size.
 */
export function fixedRate(
  sockets: readonly Socket[],
  rate: number,
  seconds: number,
  size: number,
): Promise<RateResult> {
  const total = Math.round(rate * seconds);
  const payload = Buffer.alloc(size, 0x62);
  const latencies: number[] = [];
  const conns = sockets.map((socket) => ({ socket, pending: [] as number[], received: 0 }));
  let sent = 0;
  const start = performance.now();
  return new Promise<RateResult>((resolve, reject) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({
        sent,
        completed: latencies.length,
        latenciesMs: latencies,
        elapsedMs: performance.now() - start,
      });
    };
    for (const c of conns) {
      c.socket.on('data', (d: Buffer) => {
        c.received += d.length;
        while (c.pending.length > 0 && c.received >= size) {
          c.received -= size;
          latencies.push(performance.now() - (c.pending.shift() ?? 0));
        }
        if (latencies.length === total) finish();
      });
      c.socket.once('error', reject);
    }
    let timer: NodeJS.Timeout;
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) {
        const c = conns[sent % conns.length];
        c?.pending.push(start + (sent * 1000) / rate);
        c?.socket.write(payload);
        sent++;
      }
      if (sent < total)
        timer = setTimeout(tick, Math.max(0, start + (sent * 1000) / rate - performance.now()));
      else timer = setTimeout(finish, 10_000); // give stragglers 10 s, then report what completed
    };
    tick();
  });
}

export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
