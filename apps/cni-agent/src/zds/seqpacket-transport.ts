// ZDS over a real unix SOCK_SEQPACKET socket (@ambient-ts/linux-sockets).
import { chmodSync, mkdirSync } from 'node:fs';
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

/** Only root (the node agent and ztunnel) may reach the socket: it hands out pod netns fds. */
export const ZDS_DIR_MODE = 0o700;
export const ZDS_SOCKET_MODE = 0o600;

/**
 * Listens on `socketPath` (creating its directory, replacing a stale socket
 * file left by a previous agent). The directory is made 0700 before the bind,
 * so there is no moment when another user can reach the socket; the socket
 * file itself is then 0600, as upstream's.
 */
export function seqpacketListener(socketPath: string, log: Log): ListenZds {
  return (onConnection) => {
    const dir = path.dirname(socketPath);
    mkdirSync(dir, { recursive: true, mode: ZDS_DIR_MODE });
    // An existing directory (a hostPath from an earlier install) keeps its mode otherwise.
    chmodSync(dir, ZDS_DIR_MODE);
    const server = listenSeqpacket(socketPath, {
      replaceExisting: true,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      maxFdsPerMessage: MAX_FDS_PER_MESSAGE,
    });
    chmodSync(socketPath, ZDS_SOCKET_MODE);
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
