// Test applications living in pod namespaces, run by the test process itself
// through linux-sockets: servers listen inside the pod; clients connect from
// inside the pod without a mark, so the pod's in-pod rules capture them
// exactly as they would capture a real app.

import { createServer, Socket, type Server } from 'node:net';
import { connectTcpInNetns, listenTcpInNetns, type NetnsFd } from '@ambient-ts/linux-sockets';

export interface EchoServer {
  readonly port: number;
  /** Client addresses the app saw, in accept order. */
  readonly peers: string[];
  /** Bytes the app received and sent back, summed over connections. */
  bytes: number;
  /** Connections the app currently has open. */
  readonly open: Set<Socket>;
  close(): Promise<void>;
}

/** Replies `<name>\n` then echoes everything until the client half-closes. */
export function echoServer(netns: NetnsFd, name: string, port: number): EchoServer {
  const fd = listenTcpInNetns(netns, { host: '0.0.0.0', port });
  const open = new Set<Socket>();
  const state: EchoServer = {
    port,
    peers: [],
    bytes: 0,
    open,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    open.add(s);
    state.peers.push(s.remoteAddress ?? '?');
    s.on('error', () => undefined);
    s.once('close', () => open.delete(s));
    s.write(`${name}\n`);
    s.on('data', (d: Buffer) => {
      state.bytes += d.length;
      s.write(d);
    });
    s.on('end', () => {
      s.end();
    });
  });
  server.listen({ fd });
  return state;
}

/** A connected socket opened from inside `netns` (captured by the pod's rules). */
export async function dial(netns: NetnsFd, host: string, port: number): Promise<Socket> {
  const fd = await connectTcpInNetns(netns, { host, port, timeoutMs: 10_000 });
  return new Socket({ fd, readable: true, writable: true, allowHalfOpen: true });
}

export interface Exchange {
  /** The server's greeting line (its name). */
  readonly server: string;
  /** Everything after the greeting. */
  readonly echoed: Buffer;
  /** Total bytes received by the client, greeting included. */
  readonly received: number;
}

/** Sends `payload`, half-closes, and reads until the server closes. */
export async function exchange(
  netns: NetnsFd,
  host: string,
  port: number,
  payload: Buffer,
): Promise<Exchange> {
  const s = await dial(netns, host, port);
  return talk(s, payload);
}

export function talk(s: Socket, payload: Buffer): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.once('error', reject);
    s.once('end', () => {
      const all = Buffer.concat(chunks);
      const nl = all.indexOf(10);
      s.destroy();
      if (nl < 0) {
        reject(new Error(`the server closed without a greeting (got ${all.length} bytes)`));
        return;
      }
      resolve({
        server: all.subarray(0, nl).toString(),
        echoed: all.subarray(nl + 1),
        received: all.length,
      });
    });
    s.end(payload);
  });
}

/** Resolves with how the peer ended the connection: 'error' (reset) or 'closed' (FIN). */
export function outcome(s: Socket): Promise<'closed' | 'error'> {
  return new Promise((resolve) => {
    s.once('error', () => {
      resolve('error');
    });
    s.once('end', () => {
      resolve('closed');
      s.end();
    });
    s.once('close', (hadError) => {
      resolve(hadError ? 'error' : 'closed');
    });
    s.resume();
  });
}
