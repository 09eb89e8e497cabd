// The bounds of the delta-ADS server, in one typed object with its defaults.
// Without them one client could make istiod hold a state per junk type URL
// (3000 types: 3000 states, +25 MiB), an unbounded subscription set, or any
// number of streams. Upstream istiod has no per-peer or per-subscription cap
// (it rate-limits new streams with PILOT_MAX_REQUESTS_PER_SECOND instead),
// so the numbers below are ours, sized so that no legitimate proxy comes near
// them: a ztunnel or waypoint holds one stream, subscribes by wildcard, and an
// on-demand ztunnel names one resource per destination it talks to.

import { XdsConfigError } from '../errors.js';

export interface XdsServerLimits {
  /** Streams open at once on this server, all peers together. */
  readonly maxStreams: number;
  /**
   * Streams open at once from one peer: its address, or its address and
   * authenticated identity when the stream carries one (see peerKey).
   */
  readonly maxStreamsPerPeer: number;
  /** Resource names one stream may subscribe to for one type URL. */
  readonly maxNamesPerSubscription: number;
  /** Longest resource name accepted in a subscribe list (UTF-8 bytes). */
  readonly maxResourceNameBytes: number;
}

export const DEFAULT_XDS_SERVER_LIMITS: XdsServerLimits = Object.freeze({
  // A 2-core istiod serves a few thousand proxies; each stream's state is
  // small until it subscribes, so this bounds memory without limiting a
  // large mesh.
  maxStreams: 10_000,
  // One process holds one stream; reconnects overlap briefly. 128 leaves room
  // for many proxies behind one address (tests, benchmarks with 100 clients
  // on 127.0.0.1, a NAT) while stopping a single peer from filling the server.
  maxStreamsPerPeer: 128,
  // An on-demand ztunnel names each destination it reaches; 10 000 is beyond
  // any node's working set yet bounds a stream's names to a few MiB.
  maxNamesPerSubscription: 10_000,
  // Names are `network/ip`, `namespace/hostname` or `namespace/hostname:port`:
  // a DNS name is at most 253 bytes.
  maxResourceNameBytes: 1024,
});

/** Defaults overlaid with `overrides`, each a positive integer. */
export function resolveXdsServerLimits(overrides: Partial<XdsServerLimits> = {}): XdsServerLimits {
  const limits: XdsServerLimits = { ...DEFAULT_XDS_SERVER_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new XdsConfigError(
        `xDS server limit ${key} = ${String(value)}: expected a positive integer`,
      );
    }
  }
  if (limits.maxStreamsPerPeer > limits.maxStreams) {
    throw new XdsConfigError(
      `xDS server limit maxStreamsPerPeer (${limits.maxStreamsPerPeer}) exceeds maxStreams (${limits.maxStreams})`,
    );
  }
  return Object.freeze(limits);
}
