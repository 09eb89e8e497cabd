// A stand-in for the istio-cni node agent's ZDS server: listens on a
// SOCK_SEQPACKET socket, expects ZdsHello from ztunnel, replays every pod it
// knows (AddWorkload with the pod's real netns fd over SCM_RIGHTS, one at a
// time, waiting for each ack), sends SnapshotSent, and then turns add()/del()
// calls into messages. A reconnecting ztunnel gets the replay again.

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  closeFd,
  listenSeqpacket,
  openNetns,
  type SeqpacketServer,
  type SeqpacketSocket,
} from '@ambient-ts/linux-sockets';
import { zds } from '@ambient-ts/xds-types';

export interface ZdsPod {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Path of the pod's netns file. */
  readonly netnsPath: string;
}

export class TestZdsServer {
  readonly #server: SeqpacketServer;
  readonly #pods = new Map<string, ZdsPod>();
  #conn: SeqpacketSocket | undefined;
  #inbox: Buffer[] = [];
  #waiters: ((b: Buffer) => void)[] = [];
  #chain: Promise<unknown> = Promise.resolve();
  /** Acks of the pods replayed on the current connection. */
  #replayed = new Map<string, string>();
  #synced!: Promise<void>;
  #resolveSynced!: () => void;
  /** Hellos received (one per ztunnel connection). */
  hellos = 0;
  /** Ack errors received, in order ("" = ACK). */
  readonly acks: string[] = [];

  constructor(readonly path: string) {
    this.#resetSynced();
    this.#server = listenSeqpacket(path, { replaceExisting: true });
    this.#server.on('connection', (conn: SeqpacketSocket) => {
      this.#conn?.close();
      this.#conn = conn;
      this.#inbox = [];
      this.#waiters = [];
      conn.on('message', (data: Buffer, fds: number[]) => {
        for (const fd of fds) closeFd(fd);
        const w = this.#waiters.shift();
        if (w) w(data);
        else this.#inbox.push(data);
      });
      conn.on('error', () => undefined);
      conn.once('close', () => {
        if (this.#conn === conn) {
          this.#conn = undefined;
          this.#resetSynced();
        }
      });
      // Not through the serializing chain: add()/del() calls queued there wait for this.
      void this.#handshake(conn);
    });
  }

  /** Resolves once the current ztunnel connection has received the snapshot. */
  whenSynced(): Promise<void> {
    return this.#synced;
  }

  /** Enrols a pod (sent now when connected, else in the next replay); resolves with the ack error. */
  add(pod: ZdsPod): Promise<string> {
    this.#pods.set(pod.uid, pod);
    return this.#serialize(async () => {
      await this.#synced;
      const replayed = this.#replayed.get(pod.uid);
      if (replayed !== undefined) {
        this.#replayed.delete(pod.uid);
        return replayed;
      }
      const conn = this.#conn;
      if (!conn) return 'not connected';
      return this.#sendAdd(conn, pod);
    });
  }

  del(uid: string): Promise<string> {
    this.#pods.delete(uid);
    return this.#serialize(async () => {
      await this.#synced;
      this.#replayed.delete(uid);
      const conn = this.#conn;
      if (!conn) return 'not connected';
      return this.#request(
        conn,
        create(zds.WorkloadRequestSchema, { payload: { case: 'del', value: { uid } } }),
        [],
      );
    });
  }

  close(): void {
    this.#conn?.close();
    this.#server.close();
  }

  async #handshake(conn: SeqpacketSocket): Promise<void> {
    const hello = fromBinary(zds.ZdsHelloSchema, await this.#next());
    if (hello.version !== zds.Version.V1) throw new Error(`unexpected ZDS hello ${hello.version}`);
    this.hellos++;
    this.#replayed = new Map();
    for (const pod of [...this.#pods.values()]) {
      this.#replayed.set(pod.uid, await this.#sendAdd(conn, pod));
    }
    await this.#request(
      conn,
      create(zds.WorkloadRequestSchema, { payload: { case: 'snapshotSent', value: {} } }),
      [],
    );
    this.#resolveSynced();
  }

  async #sendAdd(conn: SeqpacketSocket, pod: ZdsPod): Promise<string> {
    const fd = openNetns({ path: pod.netnsPath });
    try {
      return await this.#request(
        conn,
        create(zds.WorkloadRequestSchema, {
          payload: {
            case: 'add',
            value: {
              uid: pod.uid,
              workloadInfo: {
                name: pod.name,
                namespace: pod.namespace,
                serviceAccount: pod.serviceAccount,
              },
            },
          },
        }),
        [fd],
      );
    } finally {
      closeFd(fd);
    }
  }

  async #request(conn: SeqpacketSocket, req: zds.WorkloadRequest, fds: number[]): Promise<string> {
    await conn.send(toBinary(zds.WorkloadRequestSchema, req), fds);
    const res = fromBinary(zds.WorkloadResponseSchema, await this.#next());
    if (res.payload.case !== 'ack') throw new Error('ZDS response without ack');
    this.acks.push(res.payload.value.error);
    return res.payload.value.error;
  }

  #next(): Promise<Buffer> {
    const b = this.#inbox.shift();
    if (b) return Promise.resolve(b);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #serialize<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#chain.then(fn);
    this.#chain = p.catch(() => undefined);
    return p;
  }

  #resetSynced(): void {
    this.#synced = new Promise((r) => (this.#resolveSynced = r));
  }
}
