// The bounds on ADS streams on :15012 that have not yet been handed to the
// delta-ADS server: streams whose caller is still being authenticated
// (TokenReview in flight) or whose first request has not arrived. The
// xds-types XdsServerLimits count only streams the server adopted, so without
// these a flood of streams with bad or slow tokens is held, and reviewed, with
// no bound. Upstream istiod rate-limits new streams instead
// (PILOT_MAX_REQUESTS_PER_SECOND); the numbers here are ours.

export interface XdsAuthLimits {
  /** Streams awaiting authentication or their first request, all peers together (bounds concurrent TokenReviews). */
  readonly maxPendingStreams: number;
  /** The same, from one client address (no identity is known yet). */
  readonly maxPendingStreamsPerPeer: number;
  /** A stream not authenticated and past its first request within this is closed. */
  readonly firstRequestTimeoutMs: number;
  /** How long a token TokenReview refused is refused again without asking. */
  readonly refusedTokenTtlMs: number;
  /** Most refused tokens remembered (oldest forgotten first). */
  readonly refusedTokenEntries: number;
}

export const DEFAULT_XDS_AUTH_LIMITS: XdsAuthLimits = Object.freeze({
  // A stream is pending for one TokenReview round trip (milliseconds); even a
  // whole mesh reconnecting after an istiod restart passes through 128 slots
  // quickly, and refused proxies retry with backoff. 128 concurrent
  // TokenReviews stay well below the API server's default 400 in-flight.
  maxPendingStreams: 128,
  // One proxy opens one stream; 16 leaves room for reconnect overlap and a
  // few proxies behind one address while one address cannot take every slot.
  maxPendingStreamsPerPeer: 16,
  // ztunnel and waypoints send their first request as soon as the stream
  // opens; 10 s also covers a slow TokenReview.
  firstRequestTimeoutMs: 10_000,
  // Short: a refused token stays refused (expired, wrong audience, deleted
  // pod), so this only spares the API server a repeated flood of one token.
  refusedTokenTtlMs: 5_000,
  refusedTokenEntries: 1024,
});

export class XdsAuthConfigError extends Error {
  override readonly name = 'XdsAuthConfigError';
}

/** Defaults overlaid with `overrides`, each a positive integer. */
export function resolveXdsAuthLimits(overrides: Partial<XdsAuthLimits> = {}): XdsAuthLimits {
  const limits: XdsAuthLimits = { ...DEFAULT_XDS_AUTH_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new XdsAuthConfigError(
        `xDS authentication limit ${key} = ${String(value)}: expected a positive integer`,
      );
    }
  }
  if (limits.maxPendingStreamsPerPeer > limits.maxPendingStreams) {
    throw new XdsAuthConfigError(
      `xDS authentication limit maxPendingStreamsPerPeer (${limits.maxPendingStreamsPerPeer}) exceeds maxPendingStreams (${limits.maxPendingStreams})`,
    );
  }
  return Object.freeze(limits);
}
