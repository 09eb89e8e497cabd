// Bidirectional byte copy between two Duplexes (an HTTP/2 CONNECT stream and
// a TCP socket, or a tunnel and an app socket), the way upstream copies: both
// directions run to completion independently (half-close is forwarded: EOF on
// one side ends the other side's writable), backpressure is honoured with
// write()/'drain' and pause()/resume() so no more than one stream buffer is
// ever queued, and every byte is counted for telemetry.
//
// The copy is deliberately hand-written rather than stream.pipeline: pipeline
// tears both sides down on the first EOF and cannot count bytes without an
// extra Transform hop per chunk.

import type { Http2Session, Http2Stream } from 'node:http2';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  closeError,
  onStreamEnd,
  resetStream,
  RST_CANCEL,
  RST_CONNECT_ERROR,
} from './stream-close.js';

export interface RelayStats {
  /** Bytes read from `a` and written to `b`. */
  readonly aToB: number;
  /** Bytes read from `b` and written to `a`. */
  readonly bToA: number;
  /** Why the relay ended early, if it did. */
  readonly error?: Error;
}

export interface Relay {
  /** Live counters. */
  readonly stats: RelayStats;
  /** Resolves once both directions are done or the relay failed; never rejects. */
  readonly done: Promise<RelayStats>;
  /** Tears both sides down now (e.g. on server drain timeout). */
  abort(err?: Error): void;
}

export function relay(a: Duplex, b: Duplex): Relay {
  let aToB = 0;
  let bToA = 0;
  let aEof = false;
  let bEof = false;
  let aFinished = false;
  let bFinished = false;
  let result: RelayStats | undefined;
  let resolveDone!: (s: RelayStats) => void;
  const done = new Promise<RelayStats>((resolve) => (resolveDone = resolve));
  // Half-close needs both sides to stay writable after their read side ended;
  // net.connect() sockets default to closing on EOF.
  a.allowHalfOpen = true;
  b.allowHalfOpen = true;
  const sessionA = isHttp2Stream(a) ? a.session : undefined;
  const sessionB = isHttp2Stream(b) ? b.session : undefined;

  const finish = (error?: Error): void => {
    if (result) return;
    result = error ? { aToB, bToA, error } : { aToB, bToA };
    resolveDone(result);
  };
  const maybeComplete = (): void => {
    if (aEof && bEof && aFinished && bFinished) finish();
  };
  const fail = (failed: Duplex, other: Duplex, err: Error): void => {
    if (result) return;
    abortSide(other, err);
    abortSide(failed, err);
    finish(err);
  };

  // a → b
  a.on('data', (chunk: Buffer) => {
    aToB += chunk.length;
    if (!b.write(chunk)) a.pause();
  });
  b.on('drain', () => a.resume());
  onEof(
    a,
    () => {
      aEof = true;
      b.end();
      maybeComplete();
    },
    (err) => {
      fail(a, b, err);
    },
  );
  // b → a
  b.on('data', (chunk: Buffer) => {
    bToA += chunk.length;
    if (!a.write(chunk)) b.pause();
  });
  a.on('drain', () => b.resume());
  onEof(
    b,
    () => {
      bEof = true;
      a.end();
      maybeComplete();
    },
    (err) => {
      fail(b, a, err);
    },
  );

  a.once('finish', () => {
    aFinished = true;
    maybeComplete();
  });
  b.once('finish', () => {
    bFinished = true;
    maybeComplete();
  });

  const onClose =
    (
      side: Duplex,
      session: Http2Session | undefined,
      other: Duplex,
      done: () => [boolean, boolean],
    ) =>
    (): void => {
      if (result) return;
      const failure = isHttp2Stream(side)
        ? closeError(side, session, 'HBONE peer')
        : (side.errored ?? undefined);
      if (failure) {
        fail(side, other, failure);
        return;
      }
      const [eof, finished] = done();
      // Both of this side's directions are complete (an HTTP/2 EOF may still be
      // in its one-macrotask check): the other side is still flushing, and
      // maybeComplete() ends the relay when it has.
      if ((eof || side.readableEnded) && finished) return;
      // Closed early without an error: an HTTP/2 RST_STREAM NO_ERROR/CANCEL is a
      // normal close. Forward EOF if it was not seen; nothing more can be
      // delivered to this side, so the other side is let go once flushed.
      other.removeAllListeners('data');
      if (!eof) other.end(() => other.destroy());
      else other.destroy();
      finish();
    };
  // A side counts as written to completion only if we ended it (because the
  // other side reached EOF): node:http2 also 'finish'es a stream that was reset.
  a.once(
    'close',
    onClose(a, sessionA, b, () => [aEof, bEof && aFinished]),
  );
  b.once(
    'close',
    onClose(b, sessionB, a, () => [bEof, aEof && bFinished]),
  );
  // 'error' is always followed by 'close'; listening keeps it from being thrown.
  a.on('error', () => undefined);
  b.on('error', () => undefined);

  return {
    get stats() {
      return result ?? { aToB, bToA };
    },
    done,
    abort(err?: Error) {
      if (result) return;
      abortSide(a, err);
      abortSide(b, err);
      finish(err);
    },
  };
}

function onEof(side: Duplex, eof: () => void, error: (err: Error) => void): void {
  if (isHttp2Stream(side)) onStreamEnd(side, 'HBONE peer', eof, error);
  else side.once('end', eof);
}

// node:http2 does not export the Http2Stream class as a value.
function isHttp2Stream(side: Duplex): side is Http2Stream {
  return 'rstCode' in side && 'session' in side;
}

/** Tears a side down the way its protocol spells "the other end failed". */
function abortSide(side: Duplex, err?: Error): void {
  if (side.destroyed) return;
  if (isHttp2Stream(side)) {
    resetStream(side, err ? RST_CONNECT_ERROR : RST_CANCEL);
  } else if (side instanceof Socket && err) {
    // RFC 9113 §8.5: a CONNECT_ERROR becomes a TCP RST.
    side.resetAndDestroy();
  } else {
    side.destroy();
  }
}
