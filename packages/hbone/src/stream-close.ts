// How an HBONE stream's end is interpreted, shared by server and client.
//
// node:http2 signals three different endings the same way at first: a real
// END_STREAM, a RST_STREAM from the peer, and the loss of the whole
// connection all emit 'end' on the stream before its rstCode is known. The
// code (and whether the session died) is settled by the time the same I/O
// callback has finished, so callers check it one macrotask after 'end'.

import { constants, type Http2Session, type Http2Stream } from 'node:http2';
import { ConnectionLostError, StreamResetError } from './errors.js';

/** RST_STREAM NO_ERROR or CANCEL ends a tunnel normally (upstream ztunnel does the same). */
export function isGracefulReset(rstCode: number | undefined): boolean {
  return (
    rstCode === undefined ||
    rstCode === constants.NGHTTP2_NO_ERROR ||
    rstCode === constants.NGHTTP2_CANCEL
  );
}

/**
 * Why a closed stream ended badly, or undefined for a normal end. A CANCEL
 * while the session itself was destroyed is Node tearing the stream down with
 * its connection, not the peer cancelling.
 */
export function closeError(
  stream: Http2Stream,
  session: Http2Session | undefined,
  where: string,
): Error | undefined {
  if (!stream.closed) return undefined;
  const code = stream.rstCode;
  if (!isGracefulReset(code)) return new StreamResetError(code ?? -1);
  if (code === constants.NGHTTP2_CANCEL && session?.destroyed) {
    return new ConnectionLostError(where, 'the HTTP/2 connection closed while the tunnel was open');
  }
  return undefined;
}

/**
 * Calls `onEof` when the stream's 'end' was a real END_STREAM (or a graceful
 * reset), `onError` when it was a reset or connection loss in disguise.
 */
export function onStreamEnd(
  stream: Http2Stream,
  where: string,
  onEof: () => void,
  onError: (err: Error) => void,
): void {
  const session = stream.session;
  stream.once('end', () => {
    setImmediate(() => {
      const err = closeError(stream, session, where);
      if (err) onError(err);
      else onEof();
    });
  });
}

/**
 * Sends RST_STREAM(code) and nothing else. Http2Stream.close() first ends the
 * writable side, and its _final() puts END_STREAM on the wire before the
 * RST_STREAM: the peer would see a clean EOF (and forward a FIN) before
 * learning of the reset, so an app could act on a truncated request. Marking
 * the writable side as ending with _final already called makes close() skip
 * end() and keeps Writable from calling _final() once pending writes settle.
 */
export function resetStream(stream: Http2Stream, code: number): void {
  if (stream.destroyed || stream.closed) return;
  const writable = (
    stream as unknown as { _writableState?: { ending: boolean; finalCalled: boolean } }
  )._writableState;
  if (writable && !writable.ending) {
    writable.ending = true;
    writable.finalCalled = true;
  }
  stream.close(code);
}

/** RFC 9113 §8.5: a TCP-level failure on the far side is sent as CONNECT_ERROR. */
export const RST_CONNECT_ERROR = constants.NGHTTP2_CONNECT_ERROR;
export const RST_CANCEL = constants.NGHTTP2_CANCEL;
export const RST_PROTOCOL_ERROR = constants.NGHTTP2_PROTOCOL_ERROR;
export const RST_REFUSED_STREAM = constants.NGHTTP2_REFUSED_STREAM;
export const RST_INTERNAL_ERROR = constants.NGHTTP2_INTERNAL_ERROR;
