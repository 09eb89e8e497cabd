// HTTP/2 PING keepalive, both sides: a PING every interval, and the
// connection is dropped when one stays unanswered for the timeout (upstream:
// 10 s / 20 s). Catches peers that vanished without a FIN or RST.

import type { Http2Session } from 'node:http2';
import type { Timers } from './timers.js';

export interface KeepaliveOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly timers: Timers;
  /** Called once, just before the session is destroyed for a missed PING. */
  readonly onTimeout?: () => void;
}

/** The subset of Http2Session keepalive needs; lets tests count PINGs. */
export type PingableSession = Pick<Http2Session, 'ping' | 'destroy' | 'destroyed' | 'once'>;

export function startKeepalive(session: PingableSession, opts: KeepaliveOptions): () => void {
  let outstandingSince: number | undefined;
  let stopped = false;
  const tick = (): void => {
    if (stopped || session.destroyed) {
      stop();
      return;
    }
    const now = opts.timers.now();
    if (outstandingSince !== undefined) {
      if (now - outstandingSince >= opts.timeoutMs) {
        stop();
        opts.onTimeout?.();
        session.destroy(new Error(`HTTP/2 PING unanswered for ${opts.timeoutMs} ms`));
      }
      return;
    }
    outstandingSince = now;
    const sent = session.ping((err) => {
      // An error here means the session is going away; its own close handles it.
      if (!err) outstandingSince = undefined;
    });
    if (!sent) outstandingSince = undefined;
  };
  const timer = opts.timers.every(opts.intervalMs, tick);
  const stop = (): void => {
    stopped = true;
    timer.cancel();
  };
  session.once('close', stop);
  return stop;
}
