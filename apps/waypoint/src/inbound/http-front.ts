// Hands the plaintext HTTP inside an HBONE tunnel to node:http or node:http2,
// in process. For an HTTP listener the HBONE server relays each authorized
// CONNECT into one end of a StreamEnd pair; the other end goes straight to
// the HTTP servers ('connection'), which detect the client's HTTP version from
// its first bytes, so request parsing, keep-alive, multiplexing and
// backpressure are node's own. The tunnel's facts (listener, peer identity,
// original destination) are bound to that very stream object before a byte
// flows, and a request finds them through it.
//
// There is no socket between the two: the peer identity cannot be claimed by
// anything that merely reaches a port on this host (issue 12 finding 5: the
// former loopback hop looked the identity up by source port, which another
// local process could reuse).

import { createServer as createHttp1Server } from 'node:http';
import { createServer as createH2Server, type ServerHttp2Session } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { DownstreamRequest, DownstreamResponse } from '../http/downstream.js';
import type { TunnelContext } from '../http/request-handler.js';
import { detectProtocol } from './protocol-sniff.js';
import { StreamEnd } from './stream-pair.js';

export type RequestHandler = (
  ctx: TunnelContext,
  req: DownstreamRequest,
  res: DownstreamResponse,
) => Promise<void>;

export class HttpFront {
  /** HTTP/1.1: the server side's stream → its tunnel. */
  readonly #byStream = new WeakMap<object, TunnelContext>();
  /** HTTP/2: the session node made for the stream → its tunnel. */
  readonly #bySession = new WeakMap<ServerHttp2Session, TunnelContext>();
  readonly #open = new Set<StreamEnd>();
  readonly #http1: ReturnType<typeof createHttp1Server>;
  readonly #h2: ReturnType<typeof createH2Server>;
  /** The tunnel whose stream is being handed to node:http2 right now ('session' is synchronous). */
  #handingOver: TunnelContext | undefined;
  #closed = false;

  constructor(handler: RequestHandler, onError: (err: Error) => void) {
    const serve = (
      ctx: TunnelContext | undefined,
      req: DownstreamRequest,
      res: DownstreamResponse,
    ): void => {
      if (!ctx) {
        // Unreachable: only streams opened by open() reach these servers.
        res.writeHead(421);
        res.end();
        return;
      }
      handler(ctx, req, res).catch(onError);
    };
    this.#http1 = createHttp1Server((req, res) => {
      serve(this.#byStream.get(req.socket), req, res);
    });
    this.#http1.keepAliveTimeout = 60_000;
    this.#http1.headersTimeout = 60_000;
    this.#http1.requestTimeout = 0;
    this.#h2 = createH2Server((req, res) => {
      serve(this.#bySession.get(req.stream.session as ServerHttp2Session), req, res);
    });
    this.#h2.on('session', (session: ServerHttp2Session) => {
      if (this.#handingOver) this.#bySession.set(session, this.#handingOver);
    });
  }

  /** Nothing to bind any more; kept so start/close stay symmetric for the composition root. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  /** A stream into the HTTP servers carrying `ctx`; the HBONE server relays the tunnel to it. */
  open(ctx: TunnelContext): Promise<Duplex> {
    if (this.#closed) return Promise.reject(new Error('the HTTP front is closed'));
    const [tunnelSide, serverSide] = StreamEnd.pair();
    this.#open.add(serverSide);
    serverSide.once('close', () => this.#open.delete(serverSide));
    this.#byStream.set(serverSide, ctx);
    detectProtocol(serverSide, (protocol) => {
      if (protocol === 'h2') {
        this.#handingOver = ctx;
        try {
          // node:http2 wraps a non-socket stream itself and reads the bytes put back.
          this.#h2.emit('connection', serverSide);
        } finally {
          this.#handingOver = undefined;
        }
      } else {
        this.#http1.emit('connection', serverSide);
        // node:http does not resume a stream the sniffer paused explicitly.
        serverSide.resume();
      }
    });
    return Promise.resolve(tunnelSide);
  }

  get openTunnels(): number {
    return this.#open.size;
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const s of this.#open) s.destroy();
    this.#http1.closeAllConnections();
    return Promise.resolve();
  }
}
