// Upstream HTTP/1.1 connections kept alive and reused, one node:http Agent per
// endpoint, as Envoy keeps its upstream connection pools: without this every
// request would open a new HBONE stream and make the destination dial its app
// again. The Agent's sockets are HBONE tunnels (or TCP outside the mesh);
// node:http's client works on any Duplex, and the few socket methods the
// Agent calls on idle connections are given to tunnels here.

import { Agent, type AgentOptions } from 'node:http';
import type { Duplex } from 'node:stream';

/** A failure to open the connection itself (no request bytes were sent). */
export class UpstreamConnectFailure extends Error {
  override readonly name = 'UpstreamConnectFailure';
}

/** Idle connections close before common app servers' 5 s keep-alive would close them under us. */
const IDLE_MS = 4000;
const MAX_IDLE_PER_ENDPOINT = 16;

/** Makes a stream usable as an Agent socket: keep-alive bookkeeping and an idle timer. */
function agentSocket(stream: Duplex): Duplex {
  if (typeof (stream as { setKeepAlive?: unknown }).setKeepAlive === 'function') return stream;
  let timer: NodeJS.Timeout | undefined;
  stream.once('close', () => {
    clearTimeout(timer);
  });
  return Object.assign(stream, {
    setKeepAlive: () => stream,
    setNoDelay: () => stream,
    ref: () => stream,
    unref: () => stream,
    // The Agent arms this when the socket goes idle and destroys it on 'timeout'
    // only while it is still idle, so a plain one-shot timer is enough.
    setTimeout: (ms: number, cb?: () => void) => {
      clearTimeout(timer);
      if (cb) stream.once('timeout', cb);
      if (ms > 0) {
        timer = setTimeout(() => stream.emit('timeout'), ms);
        timer.unref();
      }
      return stream;
    },
  });
}

class TunnelAgent extends Agent {
  constructor(
    private readonly open: () => Promise<Duplex>,
    options: AgentOptions,
  ) {
    super(options);
  }

  // node:http calls this for a new connection; the callback form lets it be async.
  override createConnection(
    _options: unknown,
    callback: (err: Error | null, socket?: Duplex) => void,
  ): undefined {
    this.open().then(
      (stream) => {
        callback(null, agentSocket(stream));
      },
      (err: unknown) => {
        callback(new UpstreamConnectFailure((err as Error).message, { cause: err }));
      },
    );
    return undefined;
  }
}

export class TunnelAgents {
  readonly #agents = new Map<string, Agent>();

  /** The agent for one endpoint; `open` is used whenever it needs a new connection. */
  agentFor(key: string, open: () => Promise<Duplex>): Agent {
    let agent = this.#agents.get(key);
    if (!agent) {
      agent = new TunnelAgent(open, {
        keepAlive: true,
        maxFreeSockets: MAX_IDLE_PER_ENDPOINT,
        timeout: IDLE_MS,
        scheduling: 'lifo',
      });
      this.#agents.set(key, agent);
    }
    return agent;
  }

  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}
