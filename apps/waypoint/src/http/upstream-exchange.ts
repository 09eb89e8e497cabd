// One request/response exchange with an endpoint over an already open byte
// stream (an HBONE tunnel, or TCP outside the mesh), in the protocol the
// client spoke: HTTP/1.1 through node:http, HTTP/2 (gRPC) through node:http2
// with prior knowledge — the stream is plaintext inside mTLS. Resolves at the
// response head; the body and trailers follow as a stream.

import { request as http1Request, type IncomingMessage } from 'node:http';
import { connect as http2Connect, constants, type IncomingHttpHeaders } from 'node:http2';
import type { Duplex, Readable } from 'node:stream';
import type { AttemptOutcome, OutgoingHeaders } from '../l7/index.js';
import { endToEndHeaders, upstreamHeaders } from './headers.js';

export type WireProtocol = 'http1' | 'h2';

export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly headers: OutgoingHeaders;
}

export interface UpstreamResponse {
  readonly status: number;
  /** End-to-end headers only. */
  readonly headers: OutgoingHeaders;
  readonly body: Readable;
  /** Trailers, once the body has ended (HTTP/2: gRPC's grpc-status lives here). */
  trailers(): OutgoingHeaders | undefined;
  /** Stops the exchange and releases the stream. */
  destroy(): void;
}

export type ExchangeResult =
  | { readonly kind: 'response'; readonly response: UpstreamResponse }
  | {
      readonly kind: 'failed';
      readonly outcome: AttemptOutcome;
      /** Envoy's response flag for the failure. */
      readonly flags: string;
      readonly detail: string;
    };

const timedOut: ExchangeResult = {
  kind: 'failed',
  outcome: { error: 'timeout' },
  flags: 'UT',
  detail: 'upstream request timeout',
};

function http1Exchange(
  stream: Duplex,
  req: UpstreamRequest,
  body: Buffer | Readable,
  signal: AbortSignal,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const up = http1Request({
      method: req.method,
      path: req.path,
      headers: upstreamHeaders(req.headers, req.authority),
      // No agent: the request uses exactly this stream.
      createConnection: () => stream,
    });
    const onAbort = (): void => {
      up.destroy();
      stream.destroy();
      resolve(timedOut);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    up.once('response', (res: IncomingMessage) => {
      signal.removeEventListener('abort', onAbort);
      resolve({
        kind: 'response',
        response: {
          status: res.statusCode ?? 502,
          headers: endToEndHeaders(res.headers),
          body: res,
          trailers: () =>
            Object.keys(res.trailers).length > 0 ? endToEndHeaders(res.trailers) : undefined,
          destroy: () => {
            res.destroy();
            stream.destroy();
          },
        },
      });
    });
    up.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      stream.destroy();
      resolve({
        kind: 'failed',
        outcome: { error: 'reset' },
        flags: 'UC',
        detail: `upstream reset: ${err.message}`,
      });
    });
    if (Buffer.isBuffer(body)) up.end(body);
    else body.pipe(up);
  });
}

function withoutPseudo(h: IncomingHttpHeaders): OutgoingHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (!k.startsWith(':')) out[k] = v;
  return endToEndHeaders(out);
}

function h2Exchange(
  stream: Duplex,
  req: UpstreamRequest,
  body: Buffer | Readable,
  signal: AbortSignal,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const session = http2Connect(`http://${req.authority}`, { createConnection: () => stream });
    const headers: Record<string, string | string[]> = {
      ...req.headers,
      [constants.HTTP2_HEADER_METHOD]: req.method,
      [constants.HTTP2_HEADER_PATH]: req.path,
      [constants.HTTP2_HEADER_AUTHORITY]: req.authority,
      [constants.HTTP2_HEADER_SCHEME]: 'http',
    };
    // HTTP/2 forbids connection-specific headers; `te: trailers` is the one
    // allowed, and gRPC peers expect it.
    delete headers.host;
    if (String(req.headers['content-type'] ?? '').startsWith('application/grpc')) {
      headers.te = 'trailers';
    }
    const up = session.request(headers);
    let trailers: OutgoingHeaders | undefined;
    const close = (): void => {
      up.close(constants.NGHTTP2_CANCEL);
      session.destroy();
    };
    const onAbort = (): void => {
      close();
      resolve(timedOut);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    up.on('trailers', (t: IncomingHttpHeaders) => {
      trailers = withoutPseudo(t);
    });
    up.once('response', (h) => {
      signal.removeEventListener('abort', onAbort);
      up.once('close', () => {
        session.close();
      });
      resolve({
        kind: 'response',
        response: {
          status: Number(h[constants.HTTP2_HEADER_STATUS] ?? 502),
          headers: withoutPseudo(h),
          body: up,
          trailers: () => trailers,
          destroy: close,
        },
      });
    });
    const fail = (err: Error): void => {
      signal.removeEventListener('abort', onAbort);
      session.destroy();
      const refused = /REFUSED_STREAM/.test(err.message);
      resolve({
        kind: 'failed',
        outcome: { error: refused ? 'refused-stream' : 'reset' },
        flags: 'UC',
        detail: `upstream reset: ${err.message}`,
      });
    };
    up.once('error', fail);
    session.once('error', fail);
    if (Buffer.isBuffer(body)) up.end(body);
    else body.pipe(up);
  });
}

export function exchange(
  protocol: WireProtocol,
  stream: Duplex,
  req: UpstreamRequest,
  body: Buffer | Readable,
  signal: AbortSignal,
): Promise<ExchangeResult> {
  return protocol === 'h2'
    ? h2Exchange(stream, req, body, signal)
    : http1Exchange(stream, req, body, signal);
}
