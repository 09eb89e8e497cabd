// The pods this ztunnel proxies, driven by ZDS: add starts a PodProxy in the
// pod's netns (a failed start leaves the pod *pending*, NACKed with "failure to
// start proxy : …", and retried here every 5 s), del stops it, and after a
// SnapshotSent every pod neither added nor kept on this connection is
// removed. Ready once a snapshot has arrived and nothing is pending.

import { closeFd, netnsInode, type NetnsFd } from '@ambient-ts/linux-sockets';
import type { PodInfo } from '../proxy/context.js';
import type { Logger } from '../telemetry/logging.js';
import type { ZtunnelMetrics } from '../telemetry/metrics.js';

/** What the manager needs of a pod proxy (PodProxy in production). */
export interface ManagedProxy {
  start(): void;
  stop(deadlineMs: number): Promise<void>;
}

export type ProxyFactory = (info: PodInfo, netns: NetnsFd) => ManagedProxy;

interface Entry {
  info: PodInfo;
  netns: NetnsFd;
  inode: number;
  proxy: ManagedProxy | undefined;
  lastError: string | undefined;
}

export interface WorkloadStateDump {
  readonly state: 'Up' | 'Pending';
  readonly info: {
    readonly name: string;
    readonly namespace: string;
    readonly serviceAccount: string;
  };
}

export interface WorkloadManagerOptions {
  readonly createProxy: ProxyFactory;
  readonly logger: Logger;
  readonly metrics: ZtunnelMetrics;
  /** Drain deadline for a removed pod's connections. */
  readonly drainMs: number;
  /** Pending pods are retried this often. Upstream: 5 s. */
  readonly retryMs?: number;
  /** Called whenever readiness or the set of pods changes. */
  readonly onChange?: () => void;
}

export class WorkloadProxyManager {
  readonly #o: WorkloadManagerOptions;
  readonly #entries = new Map<string, Entry>();
  /** Pods added or kept on the current ZDS connection, until its snapshot is processed. */
  #seen = new Set<string>();
  #snapshotDone = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(o: WorkloadManagerOptions) {
    this.#o = o;
  }

  /** A snapshot arrived on the current connection and no pod is pending. */
  get ready(): boolean {
    return this.#snapshotDone && this.pendingCount === 0;
  }

  get snapshotDone(): boolean {
    return this.#snapshotDone;
  }

  get pendingCount(): number {
    return [...this.#entries.values()].filter((e) => !e.proxy).length;
  }

  get activeCount(): number {
    return [...this.#entries.values()].filter((e) => e.proxy).length;
  }

  uids(): string[] {
    return [...this.#entries.keys()];
  }

  /** A new ZDS connection: the CNI will replay its pods, then SnapshotSent. */
  connectionStarted(): void {
    this.#seen = new Set();
    this.#snapshotDone = false;
    this.#changed();
  }

  /** Returns the ack error ("" = ACK). Takes ownership of `netns`. */
  add(info: PodInfo, netns: NetnsFd): string {
    if (this.#closed) {
      closeFd(netns);
      return 'ztunnel is shutting down';
    }
    this.#seen.add(info.uid);
    const inode = netnsInode(netns);
    const existing = this.#entries.get(info.uid);
    if (existing && existing.inode === inode) {
      // A replay after reconnect of a pod we already serve: keep its proxy and connections.
      closeFd(netns);
      existing.info = info;
      return existing.proxy ? '' : this.#tryStart(existing);
    }
    if (existing) this.#remove(info.uid, 'its network namespace changed');
    const entry: Entry = { info, netns, inode, proxy: undefined, lastError: undefined };
    this.#entries.set(info.uid, entry);
    return this.#tryStart(entry);
  }

  keep(uid: string): string {
    this.#seen.add(uid);
    return '';
  }

  del(uid: string): string {
    this.#seen.delete(uid);
    if (this.#entries.has(uid)) this.#remove(uid, 'deleted');
    return '';
  }

  snapshotSent(): string {
    for (const uid of [...this.#entries.keys()]) {
      if (!this.#seen.has(uid)) this.#remove(uid, 'not in the snapshot');
    }
    this.#snapshotDone = true;
    this.#changed();
    return '';
  }

  dump(): Record<string, WorkloadStateDump> {
    const out: Record<string, WorkloadStateDump> = {};
    for (const [uid, e] of this.#entries) {
      out[uid] = {
        state: e.proxy ? 'Up' : 'Pending',
        info: {
          name: e.info.name,
          namespace: e.info.namespace,
          serviceAccount: e.info.serviceAccount,
        },
      };
    }
    return out;
  }

  /** Stops every proxy; connections get `drainMs`. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const stops: Promise<void>[] = [];
    for (const [uid, e] of this.#entries) {
      this.#entries.delete(uid);
      if (e.proxy) stops.push(e.proxy.stop(this.#o.drainMs));
      else closeFd(e.netns);
    }
    await Promise.all(stops);
  }

  #tryStart(e: Entry): string {
    const proxy = this.#o.createProxy(e.info, e.netns);
    try {
      proxy.start();
    } catch (err) {
      e.lastError = (err as Error).message;
      this.#o.logger.warn(
        { uid: e.info.uid, name: e.info.name, namespace: e.info.namespace, err: e.lastError },
        'failed to start proxy; pod stays pending and is retried',
      );
      this.#armRetry();
      this.#changed();
      return `failure to start proxy : ${e.lastError}`;
    }
    e.proxy = proxy;
    e.lastError = undefined;
    this.#o.metrics.proxiesStarted.inc();
    this.#o.logger.info(
      { uid: e.info.uid, name: e.info.name, namespace: e.info.namespace },
      'pod received, starting proxy',
    );
    this.#changed();
    return '';
  }

  #remove(uid: string, why: string): void {
    const e = this.#entries.get(uid);
    if (!e) return;
    this.#entries.delete(uid);
    this.#o.logger.info(
      { uid, name: e.info.name, namespace: e.info.namespace, why },
      'pod removed',
    );
    if (e.proxy) {
      this.#o.metrics.proxiesStopped.inc();
      void e.proxy.stop(this.#o.drainMs);
    } else {
      closeFd(e.netns);
    }
    this.#changed();
  }

  #armRetry(): void {
    if (this.#retryTimer || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      for (const e of this.#entries.values()) if (!e.proxy) this.#tryStart(e);
    }, this.#o.retryMs ?? 5000);
    this.#retryTimer.unref();
  }

  #changed(): void {
    this.#o.metrics.activeProxies.set(this.activeCount);
    this.#o.metrics.pendingProxies.set(this.pendingCount);
    this.#o.onChange?.();
  }
}
