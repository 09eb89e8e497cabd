// Hands the plaintext HTTP inside an HBONE tunnel to node:http or node:http2.
// The HBONE server relays each authorized CONNECT to a Duplex; for HTTP
// listeners that Duplex is a loopback TCP connection to an internal server,
// which detects the client's HTTP version from its first bytes, so request
// parsing, keep-alive, multiplexing and backpressure are node's own, on a real
// socket. The tunnel's facts (listener, peer identity, original destination)
// travel with the connection: they are registered under the loopback client's
// local port before any byte is relayed, and looked up by the server side's
// remote port.

import { createServer as createHttp1Server } from 'node:http';
import { createServer as createH2Server } from 'node:http2';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { DownstreamRequest, DownstreamResponse } from '../http/downstream.js';
import type { TunnelContext } from '../http/request-handler.js';
import { detectProtocol } from './protocol-sniff.js';

export type RequestHandler = (
  ctx: TunnelContext,
  req: DownstreamRequest,
  res: DownstreamResponse,
) => Promise<void>;

export class HttpFront {
  readonly #server: Server;
  readonly #contexts = new Map<number, TunnelContext>();
  readonly #sockets = new Set<Socket>();
  #port = 0;

  constructor(handler: RequestHandler, onError: (err: Error) => void) {
    const serve = (
      socket: { readonly remotePort?: number },
      req: DownstreamRequest,
      res: DownstreamResponse,
    ): void => {
      const ctx = this.#contexts.get(socket.remotePort ?? -1);
      if (!ctx) {
        // Only connections we dialled ourselves reach this loopback server.
        res.writeHead(421);
        res.end();
        return;
      }
      handler(ctx, req, res).catch(onError);
    };
    const http1 = createHttp1Server((req, res) => {
      serve(req.socket, req, res);
    });
    http1.keepAliveTimeout = 60_000;
    http1.headersTimeout = 60_000;
    http1.requestTimeout = 0;
    const h2 = createH2Server((req, res) => {
      serve(req.socket, req, res);
    });
    this.#server = createServer({ allowHalfOpen: true }, (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      detectProtocol(socket, (protocol) => {
        if (protocol === 'h2') {
          // node:http2 takes the bytes put back from the socket's buffer itself.
          h2.emit('connection', socket);
        } else {
          http1.emit('connection', socket);
          // node:http does not resume a socket the sniffer paused explicitly.
          socket.resume();
        }
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: '127.0.0.1', port: 0 }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** A connection into the HTTP server carrying `ctx`; the HBONE server relays the tunnel to it. */
  open(ctx: TunnelContext): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: this.#port, allowHalfOpen: true });
      socket.once('connect', () => {
        const port = socket.localPort;
        if (port === undefined) {
          socket.destroy();
          reject(new Error('loopback connection has no local port'));
          return;
        }
        socket.setNoDelay(true);
        this.#contexts.set(port, ctx);
        socket.once('close', () => this.#contexts.delete(port));
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  get openTunnels(): number {
    return this.#contexts.size;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => {
        resolve();
      });
      for (const socket of this.#sockets) socket.destroy();
    });
  }
}
