// A host TCP port that reaches a TCP port inside the sandbox's network
// namespace (the kind apiserver's published port). The two namespaces share the
// file system, so the bridge is a unix socket: a tiny relay inside the sandbox
// accepts on the socket and connects to 127.0.0.1:<port> there; the host side
// listens on loopback and pipes each connection to the socket.
import { existsSync } from 'node:fs';
import net from 'node:net';

/** `node -e` relay run inside the sandbox: argv socketPath, host, port. */
export const RELAY_SCRIPT = [
  "const net = require('node:net');",
  "const fs = require('node:fs');",
  'const [sock, host, port] = process.argv.slice(1);',
  'try { fs.unlinkSync(sock); } catch {}',
  'net.createServer((c) => {',
  '  const u = net.connect(Number(port), host);',
  "  c.on('error', () => u.destroy()); u.on('error', () => c.destroy());",
  '  c.pipe(u).pipe(c);',
  '}).listen(sock);',
].join('\n');

export interface TcpForward {
  /** The loopback port on the host. */
  readonly port: number;
  close(): Promise<void>;
}

/** Host half: 127.0.0.1:<free port> → socketPath. Waits for the relay's socket first. */
export async function listenHostSide(socketPath: string, timeoutMs = 10_000): Promise<TcpForward> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(socketPath)) {
    if (Date.now() > deadline) throw new Error(`relay socket ${socketPath} did not appear`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const sockets = new Set<net.Socket>();
  const server = net.createServer((c) => {
    const u = net.connect(socketPath);
    sockets.add(c);
    sockets.add(u);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
    c.on('close', () => sockets.delete(c));
    u.on('close', () => sockets.delete(u));
    c.pipe(u).pipe(c);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  // Never keeps a test process alive on its own.
  server.unref();
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
}
