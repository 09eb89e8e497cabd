// The outbound HBONE connection pool (ztunnel's per-pod pool). Tunnels that
// share a PoolKey share HTTP/2 connections; a connection carries at most
// poolMaxStreamsPerConnection concurrent streams, further capped by the
// server's SETTINGS_MAX_CONCURRENT_STREAMS, beyond which a new connection is
// dialled. Concurrent first requests for a key wait for a single dial. A
// connection without streams for poolIdleReleaseMs is closed.

import { X509Certificate } from 'node:crypto';
import {
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { SpiffeId } from '@ambient-ts/spiffe';
import { parseAuthority, parseIpAddress, type HboneTarget } from './authority.js';
import { netDialer, openConnection, type TcpDialer } from './client-connection.js';
import {
  AbortedError,
  ConnectionLostError,
  ConnectStatusError,
  HboneConfigError,
  PoolClosedError,
  StreamResetError,
  messageOf,
} from './errors.js';
import { silentLogger, type HboneLogger } from './logger.js';
import { poolKey, type PoolKey } from './pool-key.js';
import {
  connectRequestHeaders,
  type ConnectHeaderInput,
  type RandomSource,
} from './request-headers.js';
import { resolveSettings, type HboneSettings } from './settings.js';
import { setWriteHighWaterMark } from './stream-buffer.js';
import { isGracefulReset, resetStream, RST_CANCEL } from './stream-close.js';
import { systemTimers, type TimerHandle, type Timers } from './timers.js';
import { secureContextOptions, type HboneIdentity, type TrustRoots } from './tls-profile.js';
import { HboneTunnel, type TunnelStats } from './tunnel.js';

/** The local workload a tunnel is opened for. */
export interface HboneSource extends HboneIdentity {
  readonly identity: SpiffeId;
  /** Roots the destination's chain must lead to (the CA response's last element). */
  readonly trustBundle: TrustRoots;
  /** Bind the outbound socket to this IP (the pod IP), and key the pool on it. */
  readonly ip?: string;
}

export interface ConnectRequest {
  readonly source: HboneSource;
  readonly destination: {
    /** The HBONE server, `ip:port` (port 15008 for a pod). */
    readonly address: string | HboneTarget;
    /** The server's certificate must carry one of these. */
    readonly expectedIdentities: readonly SpiffeId[];
  };
  /** The CONNECT authority: `podIP:targetPort`, or `VIP:port` towards a waypoint. */
  readonly target: string | HboneTarget;
  readonly headers?: ConnectHeaderInput;
  /** Aborts a connect in progress (not an established tunnel). */
  readonly signal?: AbortSignal;
  /** Called once when the tunnel has closed, with its final byte counts. */
  readonly onClose?: (stats: TunnelStats) => void;
}

export interface HbonePoolOptions {
  readonly settings?: Partial<HboneSettings>;
  readonly timers?: Timers;
  readonly dialer?: TcpDialer;
  readonly logger?: HboneLogger;
  /** Randomness for traceparent; injectable for tests. */
  readonly random?: RandomSource;
}

class PooledConnection {
  active = 0;
  maxStreams: number;
  idle: TimerHandle | undefined;
  retired = false;

  constructor(
    readonly key: PoolKey,
    readonly session: ClientHttp2Session,
    readonly peer: SpiffeId,
    readonly destination: string,
    limit: number,
  ) {
    this.maxStreams = capFor(session, limit);
  }

  get hasCapacity(): boolean {
    return (
      !this.retired &&
      !this.session.closed &&
      !this.session.destroyed &&
      this.active < this.maxStreams
    );
  }
}

function capFor(session: ClientHttp2Session, limit: number): number {
  const peerMax = session.remoteSettings.maxConcurrentStreams ?? Number.MAX_SAFE_INTEGER;
  return Math.max(0, Math.min(limit, peerMax));
}

interface KeyState {
  readonly connections: PooledConnection[];
  dialing: Promise<PooledConnection> | undefined;
}

interface CachedContext {
  readonly leafPem: string;
  readonly keyPem: string;
  readonly roots: TrustRoots;
  readonly context: SecureContext;
}

export class HbonePool {
  readonly settings: HboneSettings;
  readonly #timers: Timers;
  readonly #dialer: TcpDialer;
  readonly #log: HboneLogger;
  readonly #random: RandomSource | undefined;
  readonly #keys = new Map<PoolKey, KeyState>();
  readonly #contexts = new Map<string, CachedContext>();
  readonly #live = new Set<PooledConnection>();
  #closed = false;
  #dials = 0;

  constructor(opts: HbonePoolOptions = {}) {
    this.settings = resolveSettings(opts.settings);
    this.#timers = opts.timers ?? systemTimers;
    this.#dialer = opts.dialer ?? netDialer;
    this.#log = opts.logger ?? silentLogger;
    this.#random = opts.random;
  }

  /** Live HTTP/2 connections (pooled or still carrying streams). */
  get connectionCount(): number {
    return this.#live.size;
  }

  /** Connections dialled so far (successful or not). */
  get dialCount(): number {
    return this.#dials;
  }

  /** Opens a tunnel; resolves once the server answered 200. */
  async connect(req: ConnectRequest): Promise<HboneTunnel> {
    if (this.#closed) throw new PoolClosedError();
    const destination =
      typeof req.destination.address === 'string'
        ? parseAuthority(req.destination.address)
        : req.destination.address;
    const target = typeof req.target === 'string' ? parseAuthority(req.target) : req.target;
    if (req.destination.expectedIdentities.length === 0) {
      throw new HboneConfigError(
        'destination.expectedIdentities is empty; nobody could be accepted',
      );
    }
    const sourceIp = req.source.ip === undefined ? undefined : parseIpAddress(req.source.ip);
    const key = poolKey(
      req.source.identity,
      req.destination.expectedIdentities,
      destination,
      sourceIp,
    );
    const conn = await this.#checkout(key, req, destination, sourceIp);
    return this.#openStream(conn, req, target);
  }

  /** Closes every connection gracefully (GOAWAY, open tunnels finish) and refuses new tunnels. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#live];
    for (const c of all) this.#retire(c);
    await Promise.all(
      all.map((c) =>
        c.session.destroyed
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              c.session.once('close', () => {
                resolve();
              });
              if (!c.session.closed) c.session.close();
            }),
      ),
    );
  }

  /** Resets every connection and its tunnels now. */
  destroy(): void {
    this.#closed = true;
    for (const c of [...this.#live]) {
      this.#retire(c);
      c.session.destroy();
    }
  }

  async #checkout(
    key: PoolKey,
    req: ConnectRequest,
    destination: HboneTarget,
    sourceIp: string | undefined,
  ): Promise<PooledConnection> {
    for (;;) {
      if (this.#closed) throw new PoolClosedError();
      if (req.signal?.aborted)
        throw new AbortedError('HBONE connect', { cause: req.signal.reason });
      let state = this.#keys.get(key);
      if (!state) {
        state = { connections: [], dialing: undefined };
        this.#keys.set(key, state);
      }
      const free = state.connections.find((c) => c.hasCapacity);
      if (free) {
        this.#reserve(free);
        return free;
      }
      if (!state.dialing) {
        const dialing = this.#dial(key, req, destination, sourceIp);
        state.dialing = dialing;
        const clear = (): void => {
          if (state.dialing === dialing) state.dialing = undefined;
          // A failed first dial leaves nothing to keep for this key.
          if (state.connections.length === 0 && !state.dialing && this.#keys.get(key) === state) {
            this.#keys.delete(key);
          }
        };
        dialing.then(clear, clear);
      }
      // Everyone waiting on this key shares the dial's outcome, including its error.
      await untilAborted(state.dialing, req.signal);
    }
  }

  async #dial(
    key: PoolKey,
    req: ConnectRequest,
    destination: HboneTarget,
    sourceIp: string | undefined,
  ): Promise<PooledConnection> {
    this.#dials++;
    const { session, peer } = await openConnection({
      destination,
      expectedIdentities: req.destination.expectedIdentities,
      ...(sourceIp ? { sourceIp } : {}),
      secureContext: this.#secureContext(req.source),
      settings: this.settings,
      timers: this.#timers,
      dialer: this.#dialer,
      // A dial is shared by every waiter on the key, so one caller's abort must not cancel it.
    });
    if (this.#closed) {
      session.destroy();
      throw new PoolClosedError();
    }
    const conn = new PooledConnection(
      key,
      session,
      peer,
      destination.authority,
      this.settings.poolMaxStreamsPerConnection,
    );
    this.#live.add(conn);
    this.#keys.get(key)?.connections.push(conn);
    session.on('remoteSettings', () => {
      conn.maxStreams = capFor(session, this.settings.poolMaxStreamsPerConnection);
    });
    session.once('goaway', () => {
      this.#retire(conn);
    });
    session.once('close', () => {
      this.#retire(conn);
      this.#live.delete(conn);
    });
    this.#log.debug(
      { destination: conn.destination, peer: peer.uri, maxStreams: conn.maxStreams },
      'HBONE connection up',
    );
    this.#armIdle(conn);
    return conn;
  }

  #secureContext(source: HboneSource): SecureContext {
    const leafPem = source.certChainPem[0] ?? '';
    const cached = this.#contexts.get(source.identity.uri);
    if (
      cached &&
      cached.leafPem === leafPem &&
      cached.keyPem === source.keyPem &&
      cached.roots === source.trustBundle
    ) {
      return cached.context;
    }
    if (!leafPem)
      throw new HboneConfigError(
        'source.certChainPem is empty; expected leaf first, then intermediates',
      );
    const san = new X509Certificate(leafPem).subjectAltName ?? '';
    if (!san.split(', ').includes(`URI:${source.identity.uri}`)) {
      throw new HboneConfigError(
        `source.identity ${source.identity.uri} is not in source.certChainPem[0] (SAN: ${san || 'none'})`,
      );
    }
    const context = createSecureContext(secureContextOptions(source, source.trustBundle));
    this.#contexts.set(source.identity.uri, {
      leafPem,
      keyPem: source.keyPem,
      roots: source.trustBundle,
      context,
    });
    return context;
  }

  #reserve(conn: PooledConnection): void {
    conn.active++;
    conn.idle?.cancel();
    conn.idle = undefined;
  }

  #release(conn: PooledConnection): void {
    conn.active--;
    if (conn.active > 0) return;
    if (conn.retired) {
      if (!conn.session.closed && !conn.session.destroyed) conn.session.close();
      return;
    }
    this.#armIdle(conn);
  }

  #armIdle(conn: PooledConnection): void {
    if (conn.active > 0 || conn.retired) return;
    conn.idle?.cancel();
    conn.idle = this.#timers.after(this.settings.poolIdleReleaseMs, () => {
      conn.idle = undefined;
      if (conn.active > 0) return;
      this.#log.debug({ destination: conn.destination }, 'HBONE connection idle; releasing it');
      this.#retire(conn);
      conn.session.close();
    });
  }

  /** Takes a connection out of the pool; it closes once its last stream ends. */
  #retire(conn: PooledConnection): void {
    if (conn.retired) return;
    conn.retired = true;
    conn.idle?.cancel();
    conn.idle = undefined;
    const state = this.#keys.get(conn.key);
    if (state) {
      const i = state.connections.indexOf(conn);
      if (i !== -1) state.connections.splice(i, 1);
      if (state.connections.length === 0 && !state.dialing) this.#keys.delete(conn.key);
    }
    if (conn.active === 0 && !conn.session.closed && !conn.session.destroyed) conn.session.close();
  }

  #openStream(
    conn: PooledConnection,
    req: ConnectRequest,
    target: HboneTarget,
  ): Promise<HboneTunnel> {
    let stream: ClientHttp2Stream;
    try {
      stream = conn.session.request(
        connectRequestHeaders(target.authority, req.headers ?? {}, this.#random),
        {
          endStream: false,
        },
      );
    } catch (err) {
      this.#release(conn);
      return Promise.reject(
        new ConnectionLostError(conn.destination, `cannot open a stream: ${messageOf(err)}`, {
          cause: err,
        }),
      );
    }
    setWriteHighWaterMark(stream, this.settings.streamHighWaterMarkBytes);
    let released = false;
    stream.once('close', () => {
      if (released) return;
      released = true;
      this.#release(conn);
    });
    return new Promise<HboneTunnel>((resolve, reject) => {
      const onAbort = (): void => {
        resetStream(stream, RST_CANCEL);
        reject(
          new AbortedError(`HBONE CONNECT ${target.authority}`, { cause: req.signal?.reason }),
        );
      };
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = (): void => {
        req.signal?.removeEventListener('abort', onAbort);
        stream.off('response', onResponse);
        stream.off('close', onEarlyClose);
      };
      const onResponse = (headers: IncomingHttpHeaders): void => {
        settle();
        const status = Number(headers[':status']);
        if (status !== 200) {
          resetStream(stream, RST_CANCEL);
          reject(new ConnectStatusError(status, target.authority, headers));
          return;
        }
        resolve(
          new HboneTunnel(
            stream,
            {
              target,
              peer: conn.peer,
              destination: conn.destination,
              status,
              responseHeaders: headers,
            },
            this.settings.streamHighWaterMarkBytes,
            req.onClose,
          ),
        );
      };
      const onEarlyClose = (): void => {
        settle();
        const code = stream.rstCode;
        if (
          code !== undefined &&
          !isGracefulReset(code) &&
          code !== constants.NGHTTP2_REFUSED_STREAM
        ) {
          reject(new StreamResetError(code));
        } else {
          reject(
            new ConnectionLostError(
              conn.destination,
              `the stream closed before a response (code ${code ?? 'none'})`,
            ),
          );
        }
      };
      stream.on('response', onResponse);
      stream.once('close', onEarlyClose);
      stream.on('error', () => undefined); // reported through 'close'
    });
  }
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new AbortedError('HBONE connect', { cause: signal.reason }));
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
