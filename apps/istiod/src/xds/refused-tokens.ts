// A TokenReviewer in front of the API server's for xDS: concurrent reviews
// of one token share one call, and a token the API server refused is refused
// again for a short while without asking. Only refusals are remembered — a
// success is never cached (a token can be revoked, and its validity is not
// ours to extend) — and only definite ones: a review that failed to be made
// (API server down) is not a refusal and is retried next time.

import { createHash } from 'node:crypto';
import type { TokenReviewer } from '../ca/authenticate.js';
import type { TokenReviewStatus } from '../kube/kube-api.js';

export interface RefusedTokenCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

export function refusalCachingReviewer(
  review: TokenReviewer,
  options: RefusedTokenCacheOptions,
): TokenReviewer {
  const now = options.now ?? Date.now;
  // Keyed by a digest so the cache holds no bearer tokens.
  const refused = new Map<string, { status: TokenReviewStatus; until: number }>();
  const inFlight = new Map<string, Promise<TokenReviewStatus>>();
  return (token, audiences) => {
    const key = createHash('sha256')
      .update(audiences.join('\n'))
      .update('\0')
      .update(token)
      .digest('hex');
    const hit = refused.get(key);
    if (hit !== undefined) {
      if (hit.until > now()) return Promise.resolve(hit.status);
      refused.delete(key);
    }
    const running = inFlight.get(key);
    if (running !== undefined) return running;
    const call = review(token, audiences).then(
      (status) => {
        inFlight.delete(key);
        if (status.authenticated !== true) {
          if (refused.size >= options.maxEntries) {
            const oldest = refused.keys().next().value;
            if (oldest !== undefined) refused.delete(oldest);
          }
          refused.set(key, { status, until: now() + options.ttlMs });
        }
        return status;
      },
      (error: unknown) => {
        inFlight.delete(key);
        throw error;
      },
    );
    inFlight.set(key, call);
    return call;
  };
}
