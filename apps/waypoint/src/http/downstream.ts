// The request and response of the client side, whichever protocol it spoke:
// node:http's IncomingMessage/ServerResponse for HTTP/1.1 and node:http2's
// compatibility objects for HTTP/2 both fit these shapes, so one handler
// serves both.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export type DownstreamRequest = Readable & {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  /** 1 or 2. */
  readonly httpVersionMajor: number;
};

export interface DownstreamResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  // Two signatures on purpose: http2's end() takes a callback where a body could be.
  end(): unknown;
  // eslint-disable-next-line @typescript-eslint/unified-signatures
  end(body: string): unknown;
  addTrailers(trailers: OutgoingHttpHeaders): void;
  destroy(error?: Error): void;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}
