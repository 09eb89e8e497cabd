// Every proxied connection in flight, per pod: for /config_dump's
// workloadState, for re-checking inbound connections when policies change
// (those no longer allowed are closed), and for draining.

import type { SpiffeId } from '@ambient-ts/spiffe';
import type { IpAddr } from '@ambient-ts/workload-state';

export interface InboundAuthorization {
  readonly workloadUid: string;
  readonly peer: SpiffeId | undefined;
  readonly srcIp: IpAddr;
  readonly dstIp: IpAddr;
  readonly port: number;
}

export interface TrackedConnection {
  readonly podUid: string;
  readonly direction: 'inbound' | 'outbound';
  /** Client `ip:port`. */
  readonly src: string;
  readonly originalDst: string;
  readonly actualDst: string;
  readonly protocol: 'HBONE' | 'TCP';
  /** Inbound only: what authorization was decided on, to re-check it later. */
  readonly authorization?: InboundAuthorization;
  /** Ends the connection now, telling telemetry why. */
  close(reason: string, flag: '-' | 'DENY'): void;
  /** Pushes the bytes moved so far into the metrics. */
  flush?(): void;
}

export class ConnectionManager {
  readonly #live = new Set<TrackedConnection>();

  track(c: TrackedConnection): () => void {
    this.#live.add(c);
    return () => this.#live.delete(c);
  }

  get size(): number {
    return this.#live.size;
  }

  forPod(podUid: string): TrackedConnection[] {
    return [...this.#live].filter((c) => c.podUid === podUid);
  }

  /** Closes the inbound connections `stillAllowed` rejects; returns how many. */
  recheck(stillAllowed: (a: InboundAuthorization) => boolean): number {
    let closed = 0;
    for (const c of [...this.#live]) {
      if (c.direction !== 'inbound' || !c.authorization) continue;
      if (stillAllowed(c.authorization)) continue;
      c.close('connection closed due to policy change', 'DENY');
      this.#live.delete(c);
      closed++;
    }
    return closed;
  }

  /** Brings every open connection's byte metrics up to date. */
  flushAll(): void {
    for (const c of this.#live) c.flush?.();
  }

  closeAll(reason: string, podUid?: string): void {
    for (const c of [...this.#live]) {
      if (podUid !== undefined && c.podUid !== podUid) continue;
      c.close(reason, '-');
      this.#live.delete(c);
    }
  }
}
