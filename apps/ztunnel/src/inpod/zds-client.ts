// The ZDS client: connects to istio-cni's SOCK_SEQPACKET socket (INPOD_UDS),
// says ZdsHello{V1} first, then handles one WorkloadRequest at a time and
// answers each with WorkloadResponse{ack{error}}. Reconnects with backoff
// (10 ms doubling to 15 s, as upstream); each new connection replays the
// CNI's pods followed by SnapshotSent.

import {
  asNetnsFd,
  closeFd,
  connectSeqpacket,
  type SeqpacketSocket,
} from '@ambient-ts/linux-sockets';
import type { Logger } from '../telemetry/logging.js';
import type { WorkloadProxyManager } from './workload-manager.js';
import { ackBytes, helloBytes, interpretRequest, ZDS_MAX_MESSAGE_BYTES } from './zds-protocol.js';

export interface ZdsClientOptions {
  readonly path: string;
  readonly manager: WorkloadProxyManager;
  readonly logger: Logger;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export class ZdsClient {
  readonly #o: ZdsClientOptions;
  #socket: SeqpacketSocket | undefined;
  #closed = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #connected = false;

  constructor(o: ZdsClientOptions) {
    this.#o = o;
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(signal?: AbortSignal): void {
    signal?.addEventListener(
      'abort',
      () => {
        this.close();
      },
      { once: true },
    );
    void this.#connect();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket?.close();
    this.#socket = undefined;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    let socket: SeqpacketSocket;
    try {
      socket = await connectSeqpacket(this.#o.path, { maxMessageBytes: ZDS_MAX_MESSAGE_BYTES });
    } catch (err) {
      this.#retry(`failed to connect to server "${this.#o.path}": ${(err as Error).message}`);
      return;
    }
    if (this.#closed) {
      socket.close();
      return;
    }
    this.#socket = socket;
    this.#connected = true;
    this.#o.manager.connectionStarted();
    this.#o.logger.info({ path: this.#o.path }, 'connected to the CNI node agent (ZDS)');
    let queue: Promise<void> = Promise.resolve();
    socket.on('message', (data: Buffer, fds: number[]) => {
      queue = queue.then(() => this.#handle(socket, data, fds));
    });
    socket.on('error', (err: Error) => {
      this.#o.logger.warn({ err: err.message }, 'ZDS connection error');
    });
    socket.once('close', () => {
      if (this.#socket === socket) this.#socket = undefined;
      this.#connected = false;
      // Until a new snapshot arrives we cannot tell which pods still exist.
      this.#o.manager.connectionStarted();
      this.#retry('the CNI node agent closed the ZDS connection');
    });
    try {
      await socket.send(helloBytes());
    } catch (err) {
      this.#o.logger.warn({ err: (err as Error).message }, 'ZDS hello failed');
      socket.close();
    }
  }

  async #handle(socket: SeqpacketSocket, data: Buffer, fds: number[]): Promise<void> {
    const m = this.#o.manager;
    const action = interpretRequest(data, fds, m.snapshotDone);
    let error = '';
    let fatal = false;
    switch (action.kind) {
      case 'add': {
        try {
          error = m.add(action.info, asNetnsFd(action.fd));
        } catch (err) {
          closeFd(action.fd);
          error = (err as Error).message;
        }
        break;
      }
      case 'keep':
        error = m.keep(action.uid);
        break;
      case 'del':
        error = m.del(action.uid);
        break;
      case 'snapshot':
        error = m.snapshotSent();
        this.#attempt = 0;
        break;
      case 'error':
        for (const fd of action.strayFds) closeFd(fd);
        error = action.message;
        fatal = action.fatal;
        this.#o.logger.warn({ err: error }, 'bad ZDS message');
        break;
    }
    try {
      await socket.send(ackBytes(error));
    } catch (err) {
      this.#o.logger.warn({ err: (err as Error).message }, 'cannot ack ZDS message');
      fatal = true;
    }
    if (fatal) socket.close();
  }

  #retry(reason: string): void {
    if (this.#closed) return;
    const initial = this.#o.initialBackoffMs ?? 10;
    const max = this.#o.maxBackoffMs ?? 15_000;
    const delay = Math.min(max, initial * 2 ** this.#attempt);
    this.#attempt++;
    this.#o.logger.warn({ reason, retryInMs: delay }, 'ZDS not connected; retrying');
    this.#timer = setTimeout(() => void this.#connect(), delay);
    this.#timer.unref();
  }
}
