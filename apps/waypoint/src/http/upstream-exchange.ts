// One request/response exchange with an endpoint (through an HBONE tunnel, or
// TCP outside the mesh), in the protocol the client spoke: HTTP/1.1 through
// node:http on the endpoint's keep-alive agent, HTTP/2 (gRPC) through
// node:http2 with prior knowledge on the endpoint's shared session — the
// bytes are plaintext inside mTLS. Resolves at the response head; the body and trailers
// follow as a stream.

import { request as http1Request, type Agent, type IncomingMessage } from 'node:http';
import { constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import type { Readable } from 'node:stream';
import type { AttemptOutcome, OutgoingHeaders } from '../l7/index.js';
import { UpstreamConnectFailure } from '../upstream/tunnel-agents.js';
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

/**
 * HTTP/1.1 through the endpoint's keep-alive agent. A request that fails on a
 * reused connection before any response (the server closed it while idle)
 * is sent once more on a fresh one when its body can be replayed, as
 * HTTP clients do for idempotent retries of stale connections.
 */
function http1Exchange(
  agent: Agent,
  req: UpstreamRequest,
  body: Buffer | Readable,
  signal: AbortSignal,
  replayed = false,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const up = http1Request({
      method: req.method,
      path: req.path,
      headers: upstreamHeaders(req.headers, req.authority),
      agent,
    });
    const onAbort = (): void => {
      up.destroy();
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
          },
        },
      });
    });
    up.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return;
      if (up.reusedSocket && !replayed && Buffer.isBuffer(body)) {
        resolve(http1Exchange(agent, req, body, signal, true));
        return;
      }
      const connect = err instanceof UpstreamConnectFailure;
      resolve({
        kind: 'failed',
        outcome: { error: connect ? 'connect-failure' : 'reset' },
        flags: connect ? 'UF' : 'UC',
        detail: connect ? err.message : `upstream reset: ${err.message}`,
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

/** HTTP/2 as one stream of the endpoint's shared session; the session outlives the request. */
function h2Exchange(
  session: ClientHttp2Session,
  req: UpstreamRequest,
  body: Buffer | Readable,
  signal: AbortSignal,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
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
      session.off('error', fail);
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
    up.once('close', () => {
      session.off('error', fail);
    });
    if (Buffer.isBuffer(body)) up.end(body);
    else body.pipe(up);
  });
}

/** Where the exchange runs: the endpoint's HTTP/1.1 keep-alive agent or its HTTP/2 session. */
export type UpstreamChannel =
  | { readonly protocol: 'http1'; readonly agent: Agent }
  | { readonly protocol: 'h2'; readonly session: ClientHttp2Session };

export function exchange(
  channel: UpstreamChannel,
  req: UpstreamRequest,
  body: Buffer | Readable,
  signal: AbortSignal,
): Promise<ExchangeResult> {
  return channel.protocol === 'h2'
    ? h2Exchange(channel.session, req, body, signal)
    : http1Exchange(channel.agent, req, body, signal);
}
