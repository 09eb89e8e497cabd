// The little HTTP plumbing all four services share: listen, answer, read a body, and stop
// cleanly (an AbortSignal tells slow handlers, such as ratings' 7 s delay, to give up).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
) => Promise<void> | void;

export type Log = (line: string) => void;

export interface ListenOptions {
  readonly port: number;
  /** Omitted: every address, IPv6 and IPv4, as upstream's images bind. */
  readonly host?: string;
  readonly log?: Log;
}

export interface RunningServer {
  readonly port: number;
  /** `http://<host>:<port>` for loopback callers (tests). */
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(handler: Handler, options: ListenOptions): Promise<RunningServer> {
  const log = options.log ?? (() => undefined);
  const stopping = new AbortController();
  const server = createServer((req, res) => {
    res.on('finish', () => {
      log(`${req.method ?? '-'} ${req.url ?? '-'} ${res.statusCode}`);
    });
    Promise.resolve()
      .then(() => handler(req, res, stopping.signal))
      .catch((err: unknown) => {
        log(`error handling ${req.method ?? '-'} ${req.url ?? '-'}: ${String(err)}`);
        if (!res.headersSent) {
          sendText(res, 500, 'Internal Server Error');
        } else {
          res.destroy();
        }
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        stopping.abort();
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Readonly<Record<string, string | string[]>> = {},
): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: string): void {
  send(res, status, 'application/json', body);
}

export function sendText(res: ServerResponse, status: number, body: string): void {
  send(res, status, 'text/plain; charset=utf-8', body);
}

/** The path without the query string, percent-decoded when it decodes. */
export function requestPath(req: IncomingMessage): string {
  const raw = (req.url ?? '/').split('?')[0] ?? '/';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function queryString(req: IncomingMessage): string {
  const url = req.url ?? '';
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
}

export async function readBody(req: IncomingMessage, limitBytes = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new Error(`request body over ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Waits `ms`, or rejects when the server is shutting down. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('server closing'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('server closing'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
