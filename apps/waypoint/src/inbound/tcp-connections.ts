// Open TCP-listener connections, re-authorized whenever istiod changes the
// listeners or the WDS state: authorization of an opaque TCP stream happens
// once, at CONNECT, so a policy that now denies it, a listener that is gone
// or failed closed, or a service or backend workload that vanished from xDS
// must close it — as ztunnel closes connections a new policy no longer
// allows. Fail closed.

import type { Duplex } from 'node:stream';
import { serviceKey, type ProxyState } from '@ambient-ts/workload-state';
import type { TunnelContext } from '../http/request-handler.js';
import { planConnection } from '../l7/index.js';
import type { ListenerTable } from '../listeners/listener-table.js';

interface OpenConnection {
  readonly ctx: TunnelContext;
  /** The WDS uid of the backend workload the connection was relayed to. */
  readonly backendUid: string;
}

export class TcpConnections {
  readonly #open = new Map<Duplex, OpenConnection>();

  constructor(private readonly random: () => number) {}

  /** Tracks an upstream stream relaying a TCP listener's connection until it closes. */
  track(ctx: TunnelContext, backendUid: string, upstream: Duplex): void {
    this.#open.set(upstream, { ctx, backendUid });
    upstream.once('close', () => this.#open.delete(upstream));
  }

  get size(): number {
    return this.#open.size;
  }

  /** Closes the connections the current listeners and state no longer allow; returns how many. */
  recheck(listeners: ListenerTable, state: ProxyState): number {
    let closed = 0;
    for (const [upstream, { ctx, backendUid }] of this.#open) {
      const current = listeners.byName(ctx.listener.name);
      const allowed =
        current !== undefined &&
        current.protocol === 'TCP' &&
        state.serviceByKey(serviceKey(ctx.service)) !== undefined &&
        state.workloadByUid(backendUid) !== undefined &&
        planConnection(
          current,
          { peer: { identity: ctx.peerIdentity, ip: ctx.peerIp }, destination: ctx.destination },
          this.random,
        ).kind !== 'deny';
      if (!allowed) {
        upstream.destroy();
        this.#open.delete(upstream);
        closed++;
      }
    }
    return closed;
  }
}
