// ZDS over a real unix SOCK_SEQPACKET socket (@ambient-ts/linux-sockets).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { closeFd, listenSeqpacket, type SeqpacketSocket } from '@ambient-ts/linux-sockets';
import type { Log } from '../log.js';
import type { ListenZds, ZdsConnection } from './zds-connection.js';

/** ztunnel reads ZDS with a 1024-byte buffer; its hello and acks are tiny, so accept up to that. */
const MAX_MESSAGE_BYTES = 1024;
const MAX_FDS_PER_MESSAGE = 1;

export function seqpacketConnection(socket: SeqpacketSocket): ZdsConnection {
  return {
    send: (data, fds) => socket.send(data, fds),
    close: () => {
      socket.close();
    },
    onMessage: (handler) => {
      socket.on('message', (data, fds) => {
        handler(data, fds);
      });
    },
    onClose: (handler) => {
      let error: Error | undefined;
      socket.on('error', (err) => {
        error = err;
      });
      socket.on('close', () => {
        handler(error);
      });
    },
  };
}

/** Listens on `socketPath` (creating its directory, replacing a stale socket file left by a previous agent). */
export function seqpacketListener(socketPath: string, log: Log): ListenZds {
  return (onConnection) => {
    mkdirSync(path.dirname(socketPath), { recursive: true });
    const server = listenSeqpacket(socketPath, {
      replaceExisting: true,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      maxFdsPerMessage: MAX_FDS_PER_MESSAGE,
    });
    server.on('connection', (socket) => {
      onConnection(seqpacketConnection(socket));
    });
    server.on('error', (err) => {
      log.warn({ err: err.message, path: socketPath }, 'accepting a ztunnel connection failed');
    });
    return {
      close: () => {
        server.close();
      },
    };
  };
}

export { closeFd };
