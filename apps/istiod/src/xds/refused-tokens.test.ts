import { describe, expect, it } from 'vitest';
import type { TokenReviewStatus } from '../kube/kube-api.js';
import { refusalCachingReviewer } from './refused-tokens.js';

const OK: TokenReviewStatus = { authenticated: true, audiences: ['istio-ca'] };
const NO: TokenReviewStatus = { authenticated: false, error: 'invalid bearer token' };

function counting(answer: (token: string) => TokenReviewStatus | Error) {
  const calls: string[] = [];
  const review = (token: string): Promise<TokenReviewStatus> => {
    calls.push(token);
    const a = answer(token);
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  };
  return { calls, review };
}

describe('TokenReview for xDS: refusals remembered briefly, successes never', () => {
  it('refuses a refused token again without asking until the TTL passes', async () => {
    let now = 0;
    const { calls, review } = counting(() => NO);
    const cached = refusalCachingReviewer(review, { ttlMs: 1000, maxEntries: 10, now: () => now });
    await cached('bad', ['istio-ca']);
    await cached('bad', ['istio-ca']);
    now = 1001;
    const again = await cached('bad', ['istio-ca']);

    expect(calls).toEqual(['bad', 'bad']);
    expect(again.authenticated).toBe(false);
  });

  it('asks again for every stream of a token that was accepted', async () => {
    const { calls, review } = counting(() => OK);
    const cached = refusalCachingReviewer(review, { ttlMs: 1000, maxEntries: 10 });
    await cached('good', ['istio-ca']);
    await cached('good', ['istio-ca']);

    expect(calls).toHaveLength(2);
  });

  it('does not remember a review that could not be made (API server down)', async () => {
    let down = true;
    const { calls, review } = counting(() => (down ? new Error('ECONNREFUSED') : OK));
    const cached = refusalCachingReviewer(review, { ttlMs: 1000, maxEntries: 10 });
    await expect(cached('t', ['istio-ca'])).rejects.toThrow('ECONNREFUSED');
    down = false;

    expect((await cached('t', ['istio-ca'])).authenticated).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('shares one review among concurrent streams with the same token', async () => {
    const { calls, review } = counting(() => OK);
    const cached = refusalCachingReviewer(review, { ttlMs: 1000, maxEntries: 10 });
    await Promise.all([cached('t', ['istio-ca']), cached('t', ['istio-ca'])]);

    expect(calls).toHaveLength(1);
  });

  it('keys by audience too, and forgets the oldest refusal when full', async () => {
    const { calls, review } = counting(() => NO);
    const cached = refusalCachingReviewer(review, { ttlMs: 60_000, maxEntries: 2 });
    await cached('a', ['istio-ca']);
    await cached('a', ['other']);
    await cached('b', ['istio-ca']); // evicts a/istio-ca
    await cached('a', ['istio-ca']);
    await cached('b', ['istio-ca']);

    expect(calls).toEqual(['a', 'a', 'b', 'a']);
  });
});
