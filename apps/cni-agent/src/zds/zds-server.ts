// The ZDS server (istio-cni side): owns the node's snapshot of enrolled pods (uid → identity
// and netns fd) and hands it to ztunnel. ztunnel connects as the client; on every
// (re)connection it gets the whole snapshot (Add with fd, or Keep) followed by SnapshotSent,
// then only Add and Del. The newest connection that said hello is the one updates go to; an
// older one (a ztunnel being replaced) is left open to drain, untouched.
import { EventEmitter } from 'node:events';
import type { PodUid } from '../brands.js';
import { NoZtunnelConnectionError } from '../errors.js';
import type { Log } from '../log.js';
import { SharedFd } from './shared-fd.js';
import type { ListenZds, ZdsConnection, ZdsListener } from './zds-connection.js';
import type { WorkloadIdentity } from './zds-messages.js';
import { ZdsSession, type SnapshotEntry } from './zds-session.js';

export interface ZdsServerOptions {
  readonly listen: ListenZds;
  readonly closeFd: (fd: number) => void;
  readonly log: Log;
  /** How long ztunnel has to say hello after connecting. */
  readonly helloTimeoutMs?: number;
  /** Deadline for each Ack (upstream: 5 s). */
  readonly ackTimeoutMs?: number;
}

export interface ZdsServerEvents {
  /** A ztunnel acknowledged the snapshot: pods marked pending can be retried. */
  synced: [];
  /** The active ztunnel went away. */
  disconnected: [];
}

interface Workload {
  readonly info: WorkloadIdentity;
  readonly netns: SharedFd | undefined;
}

export const DEFAULT_ACK_TIMEOUT_MS = 5_000;
export const DEFAULT_HELLO_TIMEOUT_MS = 5_000;

export class ZdsServer extends EventEmitter<ZdsServerEvents> {
  readonly #opts: ZdsServerOptions;
  readonly #workloads = new Map<PodUid, Workload>();
  readonly #sessions = new Set<ZdsSession>();
  #active: ZdsSession | undefined;
  #listener: ZdsListener | undefined;
  #closed = false;

  constructor(opts: ZdsServerOptions) {
    super();
    this.#opts = opts;
  }

  start(): void {
    if (this.#listener || this.#closed) return;
    this.#listener = this.#opts.listen((conn) => {
      this.#accept(conn);
    });
  }

  /** Whether a ztunnel is connected and has acknowledged the snapshot. */
  get ztunnelReady(): boolean {
    return this.#active?.state === 'ready';
  }

  get connections(): number {
    return this.#sessions.size;
  }

  /** Pods in the snapshot (every ztunnel connection receives them). */
  get podCount(): number {
    return this.#workloads.size;
  }

  has(uid: PodUid): boolean {
    return this.#workloads.has(uid);
  }

  /** The netns fd the snapshot holds for a pod; it stays owned by the server. */
  netnsOf(uid: PodUid): number | undefined {
    const netns = this.#workloads.get(uid)?.netns;
    return netns && !netns.released ? netns.fd : undefined;
  }

  /**
   * Puts a pod in the snapshot (taking ownership of `netnsFd`, which is closed on del or
   * replacement) and sends it to the active ztunnel, resolving on its Ack. Without a
   * connected ztunnel it rejects with NoZtunnelConnectionError: the pod stays in the snapshot
   * and reaches ztunnel when it connects.
   */
  add(uid: PodUid, info: WorkloadIdentity, netnsFd: number): Promise<void> {
    const previous = this.#workloads.get(uid);
    const netns = new SharedFd(netnsFd, this.#opts.closeFd);
    this.#workloads.set(uid, { info, netns });
    previous?.netns?.release();
    return this.#sendAdd(uid);
  }

  /** Sends a pod already in the snapshot again if the active ztunnel does not hold it yet. */
  resend(uid: PodUid): Promise<void> {
    return this.#sendAdd(uid);
  }

  /** Keeps a pod whose netns the agent cannot open (after a restart): replayed as Keep. */
  keep(uid: PodUid, info: WorkloadIdentity): void {
    if (this.#workloads.has(uid)) return;
    this.#workloads.set(uid, { info, netns: undefined });
  }

  /** Removes a pod from the snapshot and tells the active ztunnel (if any) to drop it. */
  async del(uid: PodUid): Promise<void> {
    const w = this.#workloads.get(uid);
    this.#workloads.delete(uid);
    w?.netns?.release();
    const session = this.#active;
    if (session === undefined || session.state === 'closed') return;
    await session.request({ kind: 'del', uid });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener?.close();
    for (const s of [...this.#sessions]) s.close();
    for (const w of this.#workloads.values()) w.netns?.release();
    this.#workloads.clear();
  }

  #sendAdd(uid: PodUid): Promise<void> {
    const w = this.#workloads.get(uid);
    const session = this.#active;
    if (w === undefined || w.netns === undefined) return Promise.resolve();
    if (session === undefined || session.state === 'closed') {
      return Promise.reject(new NoZtunnelConnectionError());
    }
    if (session.hasAdded(uid, w.netns)) return Promise.resolve();
    return session.request({ kind: 'add', uid, info: w.info }, w.netns);
  }

  #accept(conn: ZdsConnection): void {
    if (this.#closed) {
      conn.close();
      return;
    }
    const session = new ZdsSession(
      conn,
      {
        helloReceived: (s) => {
          const previous = this.#active;
          this.#active = s;
          if (previous && previous !== s) {
            this.#opts.log.info(
              { session: s.id, previous: previous.id },
              'a newer ztunnel connected; updates go to it, the older connection is left to drain',
            );
          }
          return this.#snapshot();
        },
        synced: () => {
          this.emit('synced');
        },
        closed: (s) => {
          this.#sessions.delete(s);
          if (this.#active === s) {
            this.#active = undefined;
            this.emit('disconnected');
          }
        },
      },
      {
        helloTimeoutMs: this.#opts.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS,
        ackTimeoutMs: this.#opts.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS,
        closeFd: this.#opts.closeFd,
        log: this.#opts.log,
      },
    );
    this.#sessions.add(session);
    this.#opts.log.info({ session: session.id }, 'ztunnel connected');
  }

  #snapshot(): SnapshotEntry[] {
    return [...this.#workloads].map(([uid, w]) => ({
      uid,
      info: w.info,
      ...(w.netns ? { netns: w.netns } : {}),
    }));
  }
}
