// Open TCP-listener connections, re-authorized whenever istiod changes the
// listeners: authorization of an opaque TCP stream happens once, at CONNECT,
// so a policy that now denies it (or a listener that is gone) must close it —
// as ztunnel closes connections a new policy no longer allows. Fail closed.

import type { Duplex } from 'node:stream';
import type { TunnelContext } from '../http/request-handler.js';
import { planConnection } from '../l7/index.js';
import type { ListenerTable } from '../listeners/listener-table.js';

export class TcpConnections {
  readonly #open = new Map<Duplex, TunnelContext>();

  constructor(private readonly random: () => number) {}

  /** Tracks an upstream stream relaying a TCP listener's connection until it closes. */
  track(ctx: TunnelContext, upstream: Duplex): void {
    this.#open.set(upstream, ctx);
    upstream.once('close', () => this.#open.delete(upstream));
  }

  get size(): number {
    return this.#open.size;
  }

  /** Closes the connections the current listeners no longer allow; returns how many. */
  recheck(listeners: ListenerTable): number {
    let closed = 0;
    for (const [upstream, ctx] of this.#open) {
      const current = listeners.byName(ctx.listener.name);
      const allowed =
        current !== undefined &&
        current.protocol === 'TCP' &&
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
