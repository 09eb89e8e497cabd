// The HBONE server (ztunnel's inbound :15008): TLS 1.3 + mutual SPIFFE
// authentication + HTTP/2 CONNECT. For each CONNECT it asks the authorize
// hook, then the dial hook, and answers 200 only once both succeeded; then it
// relays bytes until both directions are done.

import http2, {
  constants,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  createServer as createTlsServer,
  type Server as TlsServer,
  type TLSSocket,
} from 'node:tls';
import type { SpiffeId, TrustDomain } from '@ambient-ts/spiffe';
import type { HboneTarget } from './authority.js';
import { classifyRequest } from './connect-request.js';
import { EagerSocket } from './eager-socket.js';
import { AbortedError, HboneConfigError, messageOf } from './errors.js';
import { startKeepalive } from './keepalive.js';
import { silentLogger, type HboneLogger } from './logger.js';
import { describePeer, ownIdentity, verifyClientPeer } from './peer-identity.js';
import { relay, type Relay, type RelayStats } from './relay.js';
import { ResetBudget } from './reset-budget.js';
import { resolveSettings, type HboneSettings } from './settings.js';
import { setWriteHighWaterMark } from './stream-buffer.js';
import {
  resetStream,
  RST_INTERNAL_ERROR,
  RST_PROTOCOL_ERROR,
  RST_REFUSED_STREAM,
} from './stream-close.js';
import { systemTimers, type TimerHandle, type Timers } from './timers.js';
import {
  HBONE_ALPN,
  secureContextOptions,
  type HboneIdentity,
  type TrustRoots,
} from './tls-profile.js';

/** What the hooks learn about one CONNECT. */
export interface InboundRequest {
  /** The client's verified SPIFFE identity (its certificate's URI SAN). */
  readonly peer: SpiffeId;
  readonly target: HboneTarget;
  readonly headers: IncomingHttpHeaders;
  /** The TCP peer of the HBONE connection. */
  readonly remote: { readonly ip: string; readonly port: number };
  /** The local address the HBONE connection landed on. */
  readonly local: { readonly ip: string; readonly port: number };
}

export type AuthorizeDecision =
  | {
      readonly allow: true;
      /** Extra headers on the 200, e.g. `baggage` describing the destination. */
      readonly responseHeaders?: Readonly<Record<string, string>>;
    }
  | {
      readonly allow: false;
      /**
       * 401 (policy denied, the default), 400 (e.g. the target IP is not the
       * workload this connection landed on) or 503 (target workload unknown).
       */
      readonly status?: 400 | 401 | 503;
      readonly reason: string;
    };

/** Decides before anything is answered. A throw counts as 503. */
export type AuthorizeHook = (req: InboundRequest) => Promise<AuthorizeDecision>;

/**
 * Opens the upstream connection for an authorized CONNECT. The Duplex must
 * support half-close (a net.Socket is switched to allowHalfOpen). A throw
 * or rejection answers 503. `signal` aborts when the client gave up.
 */
export type DialHook = (req: InboundRequest, signal: AbortSignal) => Promise<Duplex>;

/** A tunnel in progress, for config dumps, gauges and tests. */
export interface InboundTunnelView {
  readonly request: InboundRequest;
  /** Bytes relayed from the client to the upstream so far. */
  readonly bytesFromClient: number;
  /** Bytes relayed from the upstream to the client so far. */
  readonly bytesToClient: number;
  /**
   * Bytes the server holds in user space on the way to the upstream: the
   * HTTP/2 stream's unread data plus the upstream's unwritten queue. Flow
   * control keeps this near the stream window however slow the upstream is.
   */
  readonly bufferedTowardsUpstream: number;
  /** The same on the way back: the upstream's unread data plus the HTTP/2 stream's send queue. */
  readonly bufferedTowardsClient: number;
}

/** Telemetry for one finished tunnel. */
export interface InboundTunnelRecord {
  readonly request: InboundRequest;
  /** Bytes the client sent through the tunnel (istio "received"). */
  readonly bytesFromClient: number;
  /** Bytes sent back to the client. */
  readonly bytesToClient: number;
  readonly error?: Error;
}

export interface HboneServerOptions {
  readonly identity: HboneIdentity;
  readonly trustBundle: TrustRoots;
  readonly authorize: AuthorizeHook;
  readonly dial: DialHook;
  readonly settings?: Partial<HboneSettings>;
  readonly timers?: Timers;
  readonly logger?: HboneLogger;
  /** Called once per tunnel that reached 200, when both directions are done. */
  readonly onTunnelClose?: (record: InboundTunnelRecord) => void;
}

export interface HboneServerRefusals {
  /** Connections closed at accept because serverMaxConnections were open. */
  connections: number;
  /** Streams refused with REFUSED_STREAM because serverMaxTunnels were in progress. */
  tunnels: number;
  /** Sessions closed for resetting too many unanswered streams. */
  rapidReset: number;
  /** Sessions closed after serverIdleTimeoutMs without a stream. */
  idle: number;
}

export type ListenTarget =
  | { readonly port: number; readonly host?: string }
  /** An already-bound listening socket, e.g. created inside a pod's netns. */
  | { readonly fd: number };

export interface HboneServer {
  /** Starts listening; closing `signal` later drains and closes the server. */
  start(target: ListenTarget, signal?: AbortSignal): Promise<AddressInfo>;
  address(): AddressInfo | null;
  /**
   * Stops accepting, sends GOAWAY and lets open tunnels finish for up to
   * settings.drainTimeoutMs (or until `signal` aborts), then resets the rest.
   */
  close(signal?: AbortSignal): Promise<void>;
  /** Installs a renewed certificate (and roots) for new connections. */
  rotate(identity: HboneIdentity, trustBundle?: TrustRoots): void;
  /** Currently open tunnels. */
  readonly activeTunnels: number;
  /** Open HTTP/2 sessions (connections past TLS and the identity check). */
  readonly activeSessions: number;
  /** Refusals so far, by cap: connections closed at accept, streams refused, sessions closed. */
  readonly refusals: Readonly<HboneServerRefusals>;
  /** Live views of the open tunnels. */
  tunnels(): InboundTunnelView[];
  /** The trust domain clients must belong to (from our own certificate). */
  readonly trustDomain: TrustDomain;
}

interface SessionContext {
  readonly peer: SpiffeId;
  readonly socket: TLSSocket;
  openStreams: number;
  idleTimer: TimerHandle | undefined;
  readonly resets: ResetBudget;
}

export function createHboneServer(opts: HboneServerOptions): HboneServer {
  const settings = resolveSettings(opts.settings);
  const timers = opts.timers ?? systemTimers;
  const log = opts.logger ?? silentLogger;
  let trustDomain = ownIdentity(opts.identity.certChainPem).trustDomain;
  let roots = opts.trustBundle;
  const peers = new WeakMap<ServerHttp2Session, SessionContext>();
  const refusals: HboneServerRefusals = { connections: 0, tunnels: 0, rapidReset: 0, idle: 0 };
  /** CONNECT streams between classification and the end of their relay, over all sessions. */
  let tunnelsInProgress = 0;
  const sessions = new Set<ServerHttp2Session>();
  const relays = new Map<Relay, InboundTunnelView>();
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;

  // TLS is terminated by a tls.Server; only connections that negotiated h2 and
  // passed the SPIFFE check are handed to a plaintext http2 server. Checking
  // before node:http2 sees the socket matters: creating a session queues our
  // SETTINGS frame, and a client refused after that would already believe it
  // had been accepted.
  const tlsServer: TlsServer = createTlsServer({
    ...secureContextOptions(opts.identity, roots),
    ALPNProtocols: [HBONE_ALPN],
    requestCert: true,
    rejectUnauthorized: true,
    handshakeTimeout: settings.handshakeTimeoutMs,
  });
  // Bounds the file descriptors and TLS state a crowd of clients can make us
  // hold; Node closes connections beyond it right after accept ('drop').
  tlsServer.maxConnections = settings.serverMaxConnections;
  tlsServer.on('drop', (data?: { remoteAddress?: string; remotePort?: number }) => {
    refusals.connections += 1;
    log.warn(
      {
        remote: `${data?.remoteAddress ?? '?'}:${data?.remotePort ?? '?'}`,
        cap: settings.serverMaxConnections,
      },
      'HBONE connection refused: serverMaxConnections reached',
    );
  });
  const h2: Http2Server = http2.createServer({
    maxSessionMemory: settings.maxSessionMemoryMiB,
    settings: {
      enablePush: false,
      initialWindowSize: settings.streamWindowBytes,
      maxFrameSize: settings.maxFrameBytes,
      maxConcurrentStreams: settings.serverMaxConcurrentStreams,
      maxHeaderListSize: settings.serverMaxHeaderListBytes,
    },
  });

  tlsServer.on('connection', (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Plaintext, TLS < 1.3, no or untrusted client certificate: refused in the handshake.
  tlsServer.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    log.debug({ err: messageOf(err), remote: describePeer(socket) }, 'HBONE handshake refused');
    socket.destroy();
  });

  let handingOver: { peer: SpiffeId; socket: TLSSocket } | undefined;
  tlsServer.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol !== HBONE_ALPN) {
      // TLS succeeded but the client did not negotiate h2 (e.g. HTTP/1.1 over TLS).
      log.debug(
        { remote: describePeer(socket), alpn: socket.alpnProtocol },
        'HBONE client did not negotiate h2',
      );
      socket.destroy();
      return;
    }
    let peer: SpiffeId;
    try {
      peer = verifyClientPeer(socket, trustDomain);
    } catch (err) {
      log.warn(
        { err: messageOf(err), remote: describePeer(socket) },
        'HBONE client identity refused',
      );
      socket.destroy();
      return;
    }
    // http2 creates the session and emits 'session' synchronously inside emit().
    handingOver = { peer, socket };
    try {
      h2.emit('connection', new EagerSocket(socket, settings.connectionSendQueueBytes));
    } finally {
      handingOver = undefined;
    }
  });

  h2.on('session', (session: ServerHttp2Session) => {
    const ctx = handingOver;
    if (!ctx) {
      session.destroy();
      return;
    }
    const { peer } = ctx;
    const sessionCtx: SessionContext = {
      ...ctx,
      openStreams: 0,
      idleTimer: undefined,
      resets: new ResetBudget(settings.serverEarlyResetBudget, () => timers.now()),
    };
    peers.set(session, sessionCtx);
    sessions.add(session);
    armIdle(session, sessionCtx);
    // Per session, not on the server: a stream the client already reset has
    // no `.session` any more, and such streams must still be counted.
    session.on(
      'stream',
      (
        stream: ServerHttp2Stream,
        headers: IncomingHttpHeaders,
        _flags: number,
        rawHeaders?: string[],
      ) => {
        handleStream(session, stream, headers, rawHeaders).catch((err: unknown) => {
          // handleStream catches its hooks' failures; this is a bug, not a client.
          log.warn({ err: messageOf(err) }, 'HBONE stream handler failed');
          resetStream(stream, RST_INTERNAL_ERROR);
        });
      },
    );
    session.once('close', () => {
      sessions.delete(session);
      sessionCtx.idleTimer?.cancel();
    });
    session.on('error', (err) => {
      log.debug({ err: messageOf(err), peer: peer.uri }, 'HBONE session error');
    });
    session.setLocalWindowSize(settings.connectionWindowBytes);
    startKeepalive(session, {
      intervalMs: settings.pingIntervalMs,
      timeoutMs: settings.pingTimeoutMs,
      timers,
      onTimeout: () => {
        log.warn({ peer: peer.uri }, 'HBONE client stopped answering PINGs; dropping it');
      },
    });
  });
  /** A session with no open stream is closed after serverIdleTimeoutMs. */
  function armIdle(session: ServerHttp2Session, ctx: SessionContext): void {
    ctx.idleTimer?.cancel();
    ctx.idleTimer = timers.after(settings.serverIdleTimeoutMs, () => {
      if (ctx.openStreams > 0 || session.closed || session.destroyed) return;
      refusals.idle += 1;
      log.debug({ peer: ctx.peer.uri }, 'HBONE session idle; closing it');
      session.close();
    });
  }

  /** Tracks a stream for the idle timer and the rapid-reset budget. */
  function trackStream(
    session: ServerHttp2Session,
    ctx: SessionContext,
    stream: ServerHttp2Stream,
  ): void {
    ctx.openStreams += 1;
    ctx.idleTimer?.cancel();
    ctx.idleTimer = undefined;
    stream.once('close', () => {
      ctx.openStreams -= 1;
      if (ctx.openStreams === 0 && !session.closed) armIdle(session, ctx);
      // The client reset a stream we had not answered: rapid-reset material.
      if (!stream.headersSent && !answeredByUs.has(stream)) earlyReset(session, ctx);
    });
  }

  /** Spends one of the session's early resets; closes it once they are exhausted. */
  function earlyReset(session: ServerHttp2Session, ctx: SessionContext): void {
    if (session.destroyed || ctx.resets.spend()) return;
    refusals.rapidReset += 1;
    log.warn(
      { peer: ctx.peer.uri, budget: settings.serverEarlyResetBudget },
      'HBONE client keeps resetting unanswered streams (rapid reset); closing its session',
    );
    session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    session.destroy();
  }

  /** Streams we reset or answered ourselves (not the client's resets). */
  const answeredByUs = new WeakSet<ServerHttp2Stream>();

  async function handleStream(
    session: ServerHttp2Session,
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    rawHeaders?: readonly string[],
  ): Promise<void> {
    stream.on('error', (err) => {
      log.debug({ err: messageOf(err) }, 'HBONE stream error');
    });
    const ctx = peers.get(session);
    if (!ctx || closing) {
      answeredByUs.add(stream);
      resetStream(stream, RST_REFUSED_STREAM);
      return;
    }
    if (stream.destroyed) {
      // Reset by the client in the same read as its HEADERS: nothing to serve.
      earlyReset(session, ctx);
      return;
    }
    trackStream(session, ctx, stream);
    const { peer } = ctx;
    const verdict = classifyRequest(
      headers,
      { maxHeaderListBytes: settings.serverMaxHeaderListBytes },
      rawHeaders,
    );
    if (verdict.kind === 'malformed') {
      log.debug({ peer: peer.uri, reason: verdict.reason }, 'HBONE malformed request');
      answeredByUs.add(stream);
      resetStream(stream, RST_PROTOCOL_ERROR);
      return;
    }
    if (verdict.kind === 'reject') {
      log.debug({ peer: peer.uri, reason: verdict.reason }, 'HBONE request rejected');
      answer(stream, verdict.status);
      return;
    }
    if (tunnelsInProgress >= settings.serverMaxTunnels) {
      refusals.tunnels += 1;
      log.warn(
        { peer: peer.uri, cap: settings.serverMaxTunnels },
        'HBONE stream refused: serverMaxTunnels in progress',
      );
      answeredByUs.add(stream);
      resetStream(stream, RST_REFUSED_STREAM);
      return;
    }
    tunnelsInProgress += 1;
    try {
      await serveTunnel(stream, headers, ctx, verdict.target);
    } finally {
      tunnelsInProgress -= 1;
    }
  }

  async function serveTunnel(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    ctx: SessionContext,
    target: HboneTarget,
  ): Promise<void> {
    const { peer, socket } = ctx;
    const request: InboundRequest = {
      peer,
      target: target,
      headers,
      remote: { ip: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 },
      local: { ip: socket.localAddress ?? '', port: socket.localPort ?? 0 },
    };

    let decision: AuthorizeDecision;
    try {
      decision = await opts.authorize(request);
    } catch (err) {
      log.warn({ err: messageOf(err), target: target.authority }, 'HBONE authorize hook failed');
      decision = { allow: false, status: 503, reason: messageOf(err) };
    }
    if (!decision.allow) {
      log.debug(
        { peer: peer.uri, target: target.authority, reason: decision.reason },
        'HBONE denied',
      );
      answer(stream, decision.status ?? 401);
      return;
    }
    if (stream.closed) return;

    const abort = new AbortController();
    const onGone = (): void => {
      abort.abort(new AbortedError('the HBONE client stream'));
    };
    stream.once('close', onGone);
    let upstream: Duplex;
    try {
      upstream = await opts.dial(request, abort.signal);
    } catch (err) {
      stream.off('close', onGone);
      log.debug({ err: messageOf(err), target: target.authority }, 'HBONE upstream unreachable');
      answer(stream, 503);
      return;
    }
    stream.off('close', onGone);
    if (stream.closed || stream.destroyed) {
      upstream.destroy();
      return;
    }
    setWriteHighWaterMark(stream, settings.streamHighWaterMarkBytes);
    stream.respond({ ':status': 200, ...decision.responseHeaders });
    const r = relay(stream, upstream);
    relays.set(r, {
      request,
      get bytesFromClient() {
        return r.stats.aToB;
      },
      get bytesToClient() {
        return r.stats.bToA;
      },
      get bufferedTowardsUpstream() {
        return stream.readableLength + upstream.writableLength;
      },
      get bufferedTowardsClient() {
        return upstream.readableLength + stream.writableLength;
      },
    });
    const stats: RelayStats = await r.done;
    relays.delete(r);
    opts.onTunnelClose?.({
      request,
      bytesFromClient: stats.aToB,
      bytesToClient: stats.bToA,
      ...(stats.error ? { error: stats.error } : {}),
    });
  }

  function answer(stream: ServerHttp2Stream, status: number): void {
    answeredByUs.add(stream);
    if (stream.closed || stream.destroyed || stream.headersSent) return;
    stream.respond({ ':status': status }, { endStream: true });
  }

  return {
    start(target, signal) {
      return new Promise<AddressInfo>((resolve, reject) => {
        if (signal?.aborted) {
          reject(new AbortedError('HBONE server start', { cause: signal.reason }));
          return;
        }
        const onError = (err: Error): void => {
          reject(err);
        };
        tlsServer.once('error', onError);
        const listening = (): void => {
          tlsServer.off('error', onError);
          signal?.addEventListener('abort', () => void this.close(), { once: true });
          resolve(tlsServer.address() as AddressInfo);
        };
        if ('fd' in target) tlsServer.listen({ fd: target.fd }, listening);
        else tlsServer.listen({ port: target.port, host: target.host ?? '::' }, listening);
      });
    },
    address() {
      const a = tlsServer.address();
      return a && typeof a === 'object' ? a : null;
    },
    close(signal) {
      closing ??= drain(signal);
      return closing;
    },
    rotate(identity, trustBundle) {
      const td = ownIdentity(identity.certChainPem).trustDomain;
      if (td !== trustDomain) {
        throw new HboneConfigError(
          `rotate(): the new certificate is in trust domain ${td}, the server's is ${trustDomain}; ` +
            'a trust-domain change needs a new server',
        );
      }
      if (trustBundle) roots = trustBundle;
      tlsServer.setSecureContext(secureContextOptions(identity, roots));
      trustDomain = td;
    },
    get activeTunnels() {
      return relays.size;
    },
    get activeSessions() {
      return sessions.size;
    },
    get refusals() {
      return { ...refusals };
    },
    tunnels() {
      return [...relays.values()];
    },
    get trustDomain() {
      return trustDomain;
    },
  };

  async function drain(signal?: AbortSignal): Promise<void> {
    const stopped = new Promise<void>((resolve) =>
      tlsServer.close(() => {
        resolve();
      }),
    );
    for (const s of sessions) s.close();
    const deadline = new Promise<void>((resolve) => {
      const t = timers.after(settings.drainTimeoutMs, resolve);
      signal?.addEventListener(
        'abort',
        () => {
          t.cancel();
          resolve();
        },
        { once: true },
      );
    });
    const allClosed = Promise.all([...sessions].map((s) => new Promise((r) => s.once('close', r))));
    await Promise.race([allClosed, deadline]);
    for (const r of relays.keys()) r.abort(new AbortedError('HBONE server drain'));
    for (const s of sessions) s.destroy();
    // Connections still in their TLS handshake have no session yet.
    for (const s of sockets) s.destroy();
    await stopped;
  }
}
