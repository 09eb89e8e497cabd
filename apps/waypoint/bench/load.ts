// The two load shapes, over any path's connections: sequential requests on
// one keep-alive connection (latency), and N keep-alive clients each sending
// back to back for a fixed time (throughput, closed loop). Connections are
// opened and used once before the clock starts, so neither figure includes
// TLS handshakes or CONNECTs (except those the waypoint itself makes per
// request). Any answer but 200 fails the run: a bench that counted 403s
// would measure the wrong thing.

import type { Duplex } from 'node:stream';
import type { Http1Response } from '../test/harness/http1-response.js';
import { KeepAliveClient } from '../test/harness/keep-alive-client.js';

export type Opener = (clientIndex: number) => Promise<Duplex>;

/** Longer than any answer should take: a lost response fails the run instead of hanging it. */
const RESPONSE_TIMEOUT_MS = 10_000;

async function expectOk(response: Promise<Http1Response>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    response,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`${what}: no response within ${RESPONSE_TIMEOUT_MS} ms`));
      }, RESPONSE_TIMEOUT_MS);
    }),
  ]).finally(() => {
    clearTimeout(timer);
  });
  if (r.status !== 200) {
    throw new Error(`${what}: HTTP ${r.status} ${r.body.toString('utf8', 0, 200)}`);
  }
}

async function readyClient(
  open: Opener,
  i: number,
  request: Buffer,
  what: string,
): Promise<KeepAliveClient> {
  const client = new KeepAliveClient(() => open(i), request);
  try {
    await expectOk(client.send(), what);
  } catch (err) {
    // A tunnel left open would keep its pooled connection from ever closing.
    client.close();
    throw err;
  }
  return client;
}

/** Milliseconds per request, `n` requests one after another on one connection. */
export async function sequential(
  open: Opener,
  request: Buffer,
  n: number,
  what: string,
): Promise<number[]> {
  const client = await readyClient(open, 0, request, what);
  try {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const r = client.send();
      await expectOk(r, what);
      samples.push(performance.now() - t0);
    }
    if (client.reconnects > 0)
      throw new Error(`${what}: the server closed a keep-alive connection`);
    return samples;
  } finally {
    client.close();
  }
}

export interface ClosedLoopResult {
  readonly completed: number;
  readonly elapsedMs: number;
}

/**
 * `concurrency` clients on their own connections, each sending its next
 * request when the last one is answered, for `seconds`. `onStart` and
 * `onStop` run right at the edges of the timed window (to read CPU clocks).
 */
export async function closedLoop(
  open: Opener,
  request: Buffer,
  opts: {
    readonly concurrency: number;
    readonly seconds: number;
    readonly what: string;
    readonly onStart?: () => void;
    readonly onStop?: () => void;
  },
): Promise<ClosedLoopResult> {
  const clients = await Promise.all(
    Array.from({ length: opts.concurrency }, (_, i) => readyClient(open, i, request, opts.what)),
  );
  try {
    let completed = 0;
    opts.onStart?.();
    const start = performance.now();
    const deadline = start + opts.seconds * 1000;
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < deadline) {
          await expectOk(c.send(), opts.what);
          completed++;
        }
      }),
    );
    const elapsedMs = performance.now() - start;
    opts.onStop?.();
    if (clients.some((c) => c.reconnects > 0)) {
      throw new Error(`${opts.what}: the server closed a keep-alive connection`);
    }
    return { completed, elapsedMs };
  } finally {
    for (const c of clients) c.close();
  }
}
