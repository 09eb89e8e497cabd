// Hands the plaintext HTTP inside an HBONE tunnel to node:http. The HBONE
// server relays each authorized CONNECT to a Duplex; for HTTP listeners that
// Duplex is a loopback TCP connection to an internal HTTP server, so request
// parsing, keep-alive, pipelining and backpressure are node:http's, on a real
// socket. The tunnel's facts (listener, peer identity, original destination)
// travel with the connection: they are registered under the loopback client's
// local port before any byte is relayed, and looked up by the server side's
// remote port.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { TunnelContext } from '../http/request-handler.js';

export type RequestHandler = (
  ctx: TunnelContext,
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<void>;

export class HttpFront {
  readonly #server: Server;
  readonly #contexts = new Map<number, TunnelContext>();
  #port = 0;

  constructor(handler: RequestHandler, onError: (err: Error) => void) {
    this.#server = createServer((req, res) => {
      const ctx = this.#contexts.get(req.socket.remotePort ?? -1);
      if (!ctx) {
        // Only connections we dialled ourselves reach this loopback server.
        res.writeHead(421).end();
        return;
      }
      handler(ctx, req, res).catch(onError);
    });
    this.#server.keepAliveTimeout = 60_000;
    this.#server.headersTimeout = 60_000;
    this.#server.requestTimeout = 0;
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
      this.#server.closeAllConnections();
    });
  }
}
