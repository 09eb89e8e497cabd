// Small servers and clients on adopted fds, for the namespace tests.
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, Socket, type Server } from 'node:net';

const openSockets = new WeakMap<Server, Set<Socket>>();

/** Adopts a listening fd into a net.Server that answers each connection with reply(socket) and closes it. */
export async function serveText(
  fd: number,
  reply: string | ((socket: Socket) => string),
): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.resume(); // read to EOF so the socket notices the peer's FIN and closes
    socket.end(typeof reply === 'string' ? reply : reply(socket));
  });
  openSockets.set(server, sockets);
  await listenOnFd(server, fd);
  return server;
}

/** Adopts a listening fd into an HTTP server answering every request with `body`. */
export async function serveHttp(fd: number, body: string): Promise<HttpServer> {
  const server = createHttpServer((_request, response) => {
    response.end(body);
  });
  await listenOnFd(server, fd);
  return server;
}

async function listenOnFd(server: Server | HttpServer, fd: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Adopts a connected fd into a net.Socket and reads until the peer ends. */
export async function readAllFromFd(fd: number): Promise<string> {
  const socket = new Socket({ fd, readable: true, writable: true });
  return readAll(socket);
}

export async function readAll(socket: Socket): Promise<string> {
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  await once(socket, 'end');
  socket.destroy();
  return text;
}

export async function closeServer(server: Server | HttpServer): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
    if ('closeAllConnections' in server) server.closeAllConnections();
    for (const socket of openSockets.get(server) ?? []) socket.destroy();
  });
}
