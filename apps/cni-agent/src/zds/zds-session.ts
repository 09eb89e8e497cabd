// One ztunnel connection: hello, the snapshot replay (Add with fd / Keep per known pod, then
// SnapshotSent), then one request at a time, each waiting for its Ack with a deadline. A
// missed deadline or a protocol error drops the connection; ztunnel reconnects and receives
// the whole snapshot again, which is how ZDS recovers from anything.
import type { PodUid } from '../brands.js';
import {
  ZdsConnectionLostError,
  ZdsProtocolError,
  ZtunnelAckTimeoutError,
  ZtunnelNackError,
  errorMessage,
} from '../errors.js';
import type { Log } from '../log.js';
import type { SharedFd } from './shared-fd.js';
import type { ZdsConnection } from './zds-connection.js';
import {
  decodeAck,
  decodeHello,
  describeRequest,
  encodeRequest,
  type WorkloadIdentity,
  type ZdsRequest,
} from './zds-messages.js';

export type SessionState = 'awaiting-hello' | 'syncing' | 'ready' | 'closed';

export interface SnapshotEntry {
  readonly uid: PodUid;
  readonly info: WorkloadIdentity;
  /** Absent when the agent knows the pod but cannot open its netns: sent as Keep. */
  readonly netns?: SharedFd;
}

export interface SessionHooks {
  /** ztunnel said hello: the server makes this the active connection and returns what to replay. */
  helloReceived(session: ZdsSession): readonly SnapshotEntry[];
  /** SnapshotSent was acknowledged. */
  synced(session: ZdsSession): void;
  closed(session: ZdsSession): void;
}

export interface SessionOptions {
  readonly helloTimeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly closeFd: (fd: number) => void;
  readonly log: Log;
}

interface Pending {
  readonly request: ZdsRequest;
  readonly netns: SharedFd | undefined;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

let nextSessionId = 1;

export class ZdsSession {
  readonly id = nextSessionId++;
  #state: SessionState = 'awaiting-hello';
  readonly #queue: Pending[] = [];
  #inflight: { pending: Pending; timer: NodeJS.Timeout } | undefined;
  #helloTimer: NodeJS.Timeout | undefined;
  /** Pods this ztunnel acknowledged an Add for, with the netns fd it got. */
  readonly #added = new Map<PodUid, SharedFd>();

  constructor(
    private readonly conn: ZdsConnection,
    private readonly hooks: SessionHooks,
    private readonly opts: SessionOptions,
  ) {
    conn.onMessage((data, fds) => {
      this.#onMessage(data, fds);
    });
    conn.onClose((err) => {
      this.#teardown(err);
    });
    this.#helloTimer = setTimeout(() => {
      this.#fail(new ZdsProtocolError(`ztunnel sent no ZdsHello within ${opts.helloTimeoutMs} ms`));
    }, opts.helloTimeoutMs);
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Whether this ztunnel already holds the pod with exactly this netns. */
  hasAdded(uid: PodUid, netns: SharedFd): boolean {
    return this.#added.get(uid) === netns;
  }

  /** Queues a request; resolves on an empty Ack, rejects on a NACK, timeout or disconnect. */
  request(request: ZdsRequest, netns?: SharedFd): Promise<void> {
    if (this.#state === 'closed')
      return Promise.reject(new ZdsConnectionLostError(describeRequest(request)));
    netns?.retain();
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ request, netns, resolve, reject });
      this.#pump();
    });
  }

  close(): void {
    this.#teardown(undefined);
  }

  #onMessage(data: Uint8Array, fds: readonly number[]): void {
    // ztunnel never passes fds; never leak one it might send.
    for (const fd of fds) this.opts.closeFd(fd);
    if (this.#state === 'closed') return;
    try {
      if (this.#state === 'awaiting-hello') {
        decodeHello(data);
        clearTimeout(this.#helloTimer);
        this.#helloTimer = undefined;
        this.#state = 'syncing';
        this.#replay(this.hooks.helloReceived(this));
        return;
      }
      const inflight = this.#inflight;
      if (inflight === undefined)
        throw new ZdsProtocolError('ztunnel sent an ack nobody asked for');
      const error = decodeAck(data);
      clearTimeout(inflight.timer);
      this.#inflight = undefined;
      const { pending } = inflight;
      pending.netns?.release();
      if (error === '') {
        if (pending.request.kind === 'add' && pending.netns)
          this.#added.set(pending.request.uid, pending.netns);
        if (pending.request.kind === 'del') this.#added.delete(pending.request.uid);
        pending.resolve();
      } else {
        pending.reject(new ZtunnelNackError(describeRequest(pending.request), error));
      }
      this.#pump();
    } catch (err) {
      this.#fail(err as Error);
    }
  }

  #replay(entries: readonly SnapshotEntry[]): void {
    const replayed = entries.map((e) => {
      const request: ZdsRequest = e.netns
        ? { kind: 'add', uid: e.uid, info: e.info }
        : { kind: 'keep', uid: e.uid };
      return this.request(request, e.netns).catch((err: unknown) => {
        // A NACKed Add stays pending inside ztunnel, which retries it itself; the snapshot goes on.
        if (err instanceof ZtunnelNackError) {
          this.opts.log.warn(
            { session: this.id, uid: e.uid, err: err.message },
            'ztunnel rejected a replayed pod',
          );
        }
      });
    });
    // Queued behind every replayed pod, so it goes out only after the last of their acks.
    this.request({ kind: 'snapshot_sent' })
      .then(() => {
        if (this.#state !== 'syncing') return;
        this.#state = 'ready';
        this.opts.log.info(
          { session: this.id, pods: replayed.length },
          'ztunnel received the snapshot',
        );
        this.hooks.synced(this);
      })
      .catch((err: unknown) => {
        this.opts.log.warn(
          { session: this.id, err: errorMessage(err) },
          'snapshot not acknowledged; dropping the connection',
        );
        this.close();
      });
  }

  #pump(): void {
    if (this.#state === 'closed' || this.#state === 'awaiting-hello' || this.#inflight) return;
    let pending = this.#queue.shift();
    // An Add this ztunnel already acknowledged with the same netns (replayed meanwhile) is not sent twice.
    while (
      pending !== undefined &&
      pending.request.kind === 'add' &&
      pending.netns !== undefined &&
      this.#added.get(pending.request.uid) === pending.netns
    ) {
      pending.netns.release();
      pending.resolve();
      pending = this.#queue.shift();
    }
    if (pending === undefined) return;
    const what = describeRequest(pending.request);
    const timer = setTimeout(() => {
      this.#fail(new ZtunnelAckTimeoutError(what, this.opts.ackTimeoutMs));
    }, this.opts.ackTimeoutMs);
    this.#inflight = { pending, timer };
    const fds = pending.netns ? [pending.netns.fd] : [];
    this.conn.send(encodeRequest(pending.request), fds).catch((err: unknown) => {
      this.#fail(new ZdsConnectionLostError(`${what} (send failed: ${errorMessage(err)})`));
    });
  }

  /** Ends the connection because of `err`: the in-flight request gets `err`, the queued ones a connection-lost error. */
  #fail(err: Error): void {
    if (this.#state === 'closed') return;
    this.opts.log.warn({ session: this.id, err: err.message }, 'closing the ztunnel connection');
    const inflight = this.#inflight;
    if (inflight) {
      clearTimeout(inflight.timer);
      this.#inflight = undefined;
      inflight.pending.netns?.release();
      inflight.pending.reject(err);
    }
    this.#teardown(undefined);
  }

  #teardown(err: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#helloTimer);
    const all = [...(this.#inflight ? [this.#inflight.pending] : []), ...this.#queue.splice(0)];
    if (this.#inflight) clearTimeout(this.#inflight.timer);
    this.#inflight = undefined;
    for (const p of all) {
      p.netns?.release();
      p.reject(new ZdsConnectionLostError(describeRequest(p.request)));
    }
    this.#added.clear();
    if (err)
      this.opts.log.warn({ session: this.id, err: err.message }, 'ztunnel connection failed');
    this.conn.close();
    this.hooks.closed(this);
  }
}
