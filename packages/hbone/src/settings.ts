// Every tunable of the HBONE server and client in one typed object. The
// defaults are upstream ztunnel's (src/config.rs); callers override only what
// they must. hbone reads no environment: a composition root maps env vars
// (HTTP2_STREAM_WINDOW_SIZE, …) onto this object.

import { HboneConfigError } from './errors.js';

export interface HboneSettings {
  /** Initial per-stream receive window (SETTINGS_INITIAL_WINDOW_SIZE). */
  readonly streamWindowBytes: number;
  /**
   * Connection-level receive window. 4× the stream window so one stalled
   * stream cannot consume the whole connection window and starve the others
   * (upstream raised it from 1× to 4× in ztunnel PR #1539).
   */
  readonly connectionWindowBytes: number;
  /** SETTINGS_MAX_FRAME_SIZE we advertise: the largest DATA frame we accept. */
  readonly maxFrameBytes: number;
  /** Server: SETTINGS_MAX_CONCURRENT_STREAMS advertised to clients. */
  readonly serverMaxConcurrentStreams: number;
  /** Server: SETTINGS_MAX_HEADER_LIST_SIZE. */
  readonly serverMaxHeaderListBytes: number;
  /** Client: SETTINGS_MAX_HEADER_LIST_SIZE. */
  readonly clientMaxHeaderListBytes: number;
  /** Client: streams opened on one pooled connection before a new one is dialled. */
  readonly poolMaxStreamsPerConnection: number;
  /** Client: a pooled connection with no stream for this long is closed. */
  readonly poolIdleReleaseMs: number;
  /** Client: TCP connect + TLS handshake + first SETTINGS must finish within this. */
  readonly connectTimeoutMs: number;
  /** Both sides: an HTTP/2 PING is sent this often. */
  readonly pingIntervalMs: number;
  /** Both sides: a PING unanswered for this long drops the connection. */
  readonly pingTimeoutMs: number;
  /** Server: a connection that has not completed TLS + ALPN h2 by then is dropped. */
  readonly handshakeTimeoutMs: number;
  /**
   * node:http2 maxSessionMemory, in MiB. Node's default (10) is below a
   * single full connection window and makes busy sessions refuse streams
   * with ENHANCE_YOUR_CALM.
   */
  readonly maxSessionMemoryMiB: number;
  /**
   * Writable high-water mark of each tunnel's HTTP/2 stream and of the
   * client's HboneTunnel: how much a writer may queue before write() returns
   * false. Upstream bounds the send buffer by the stream window (4 MiB);
   * 256 KiB lets a few 64 KiB chunks queue (node:http2's fixed 16 KiB
   * admits one) while keeping memory per tunnel small.
   */
  readonly streamHighWaterMarkBytes: number;
  /**
   * Bytes an HTTP/2 connection may queue on its TLS socket before its writes
   * wait for the socket to drain (see eager-socket.ts for why they normally
   * do not wait). Flow control keeps the queue within the peer's connection
   * window, so twice our own window leaves room for peers that grant more.
   */
  readonly connectionSendQueueBytes: number;
  /** Server close(): how long in-flight tunnels may drain before they are reset. */
  readonly drainTimeoutMs: number;
  /**
   * Server: connections (TLS handshakes and HTTP/2 sessions) open at once.
   * Beyond it a new connection is closed as soon as it is accepted, before TLS.
   */
  readonly serverMaxConnections: number;
  /**
   * Server: CONNECT streams being authorized, dialled or relayed at once, over
   * all sessions. Beyond it a new stream is refused with RST_STREAM(REFUSED_STREAM)
   * (safe for the client to retry elsewhere: nothing was processed).
   */
  readonly serverMaxTunnels: number;
  /** Server: a session that carried no stream for this long is closed (GOAWAY NO_ERROR). */
  readonly serverIdleTimeoutMs: number;
  /**
   * Server: streams a client may reset before we answered them, as a burst;
   * the allowance refills at a tenth of this per second. Past it the session
   * is closed with GOAWAY(ENHANCE_YOUR_CALM) — the HTTP/2 rapid-reset defence
   * (CVE-2023-44487), tighter than nghttp2's own (1000 burst, and it leaves
   * the offender's socket open).
   */
  readonly serverEarlyResetBudget: number;
}

const MiB = 1024 * 1024;
const KiB = 1024;

export const DEFAULT_HBONE_SETTINGS: HboneSettings = Object.freeze({
  streamWindowBytes: 4 * MiB,
  connectionWindowBytes: 16 * MiB,
  maxFrameBytes: 1 * MiB,
  serverMaxConcurrentStreams: 200,
  serverMaxHeaderListBytes: 64 * KiB,
  clientMaxHeaderListBytes: 16 * KiB,
  poolMaxStreamsPerConnection: 100,
  poolIdleReleaseMs: 5 * 60_000,
  connectTimeoutMs: 10_000,
  pingIntervalMs: 10_000,
  pingTimeoutMs: 20_000,
  handshakeTimeoutMs: 10_000,
  maxSessionMemoryMiB: 128,
  streamHighWaterMarkBytes: 256 * KiB,
  connectionSendQueueBytes: 32 * MiB,
  drainTimeoutMs: 5_000,
  serverMaxConnections: 4_096,
  serverMaxTunnels: 16_384,
  serverIdleTimeoutMs: 10 * 60_000,
  serverEarlyResetBudget: 200,
});

// RFC 9113 §6.5.2 bounds.
const MAX_WINDOW = 2 ** 31 - 1;
const MIN_FRAME = 16 * KiB;
const MAX_FRAME = 2 ** 24 - 1;

/** Defaults overlaid with `overrides`, each value checked against the protocol's bounds. */
export function resolveSettings(overrides: Partial<HboneSettings> = {}): HboneSettings {
  const s: HboneSettings = { ...DEFAULT_HBONE_SETTINGS, ...overrides };
  const check = (key: keyof HboneSettings, min: number, max: number): void => {
    const v = s[key];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new HboneConfigError(
        `settings.${key} = ${String(v)}: expected an integer in [${min}, ${max}]`,
      );
    }
  };
  check('streamWindowBytes', 65_535, MAX_WINDOW);
  check('connectionWindowBytes', 65_535, MAX_WINDOW);
  check('maxFrameBytes', MIN_FRAME, MAX_FRAME);
  check('serverMaxConcurrentStreams', 1, 2 ** 31 - 1);
  check('serverMaxHeaderListBytes', 1 * KiB, 2 ** 31 - 1);
  check('clientMaxHeaderListBytes', 1 * KiB, 2 ** 31 - 1);
  check('poolMaxStreamsPerConnection', 1, 2 ** 31 - 1);
  check('poolIdleReleaseMs', 1, 2 ** 31 - 1);
  check('connectTimeoutMs', 1, 2 ** 31 - 1);
  check('pingIntervalMs', 1, 2 ** 31 - 1);
  check('pingTimeoutMs', 1, 2 ** 31 - 1);
  check('handshakeTimeoutMs', 1, 2 ** 31 - 1);
  check('maxSessionMemoryMiB', 1, 1 << 20);
  check('streamHighWaterMarkBytes', 1, MAX_WINDOW);
  check('connectionSendQueueBytes', 64 * KiB, 2 ** 31 - 1);
  check('drainTimeoutMs', 0, 2 ** 31 - 1);
  check('serverMaxConnections', 1, 2 ** 31 - 1);
  check('serverMaxTunnels', 1, 2 ** 31 - 1);
  check('serverIdleTimeoutMs', 1, 2 ** 31 - 1);
  check('serverEarlyResetBudget', 1, 2 ** 31 - 1);
  if (s.connectionWindowBytes < s.streamWindowBytes) {
    throw new HboneConfigError(
      `settings.connectionWindowBytes (${s.connectionWindowBytes}) is below streamWindowBytes (${s.streamWindowBytes}); ` +
        'one stream could then block every other stream on the connection',
    );
  }
  return Object.freeze(s);
}
