import { describe, expect, it } from 'vitest';
import { applySubscriptionRequest } from './subscription.js';

describe('delta subscription requests', () => {
  it('treat an empty first subscribe list as a wildcard subscription', () => {
    const { subscription } = applySubscriptionRequest(undefined, [], []);
    expect(subscription.wildcard).toBe(true);
    expect([...subscription.names]).toEqual([]);
  });

  it('treat an explicit * as wildcard and keep named resources beside it', () => {
    const { subscription, added } = applySubscriptionRequest(undefined, ['*', 'a'], []);
    expect(subscription.wildcard).toBe(true);
    expect([...subscription.names]).toEqual(['a']);
    expect(added).toEqual(['a']);
  });

  it('make a first request that names resources a named subscription', () => {
    const { subscription } = applySubscriptionRequest(undefined, ['a', 'b'], []);
    expect(subscription.wildcard).toBe(false);
    expect([...subscription.names].sort()).toEqual(['a', 'b']);
  });

  it("read ztunnel's on-demand opener (* subscribed and unsubscribed) as subscribing to nothing", () => {
    const { subscription } = applySubscriptionRequest(undefined, ['*'], ['*']);
    expect(subscription.wildcard).toBe(false);
    expect(subscription.names.size).toBe(0);
  });

  it('add and remove names incrementally, reporting only real changes', () => {
    const first = applySubscriptionRequest(undefined, ['a'], []).subscription;
    const second = applySubscriptionRequest(first, ['a', 'b'], ['c']);
    expect(second.added).toEqual(['b']);
    expect(second.removed).toEqual([]);
    const third = applySubscriptionRequest(second.subscription, [], ['a']);
    expect(third.removed).toEqual(['a']);
    expect([...third.subscription.names]).toEqual(['b']);
  });

  it('drop the wildcard when * is unsubscribed later', () => {
    const first = applySubscriptionRequest(undefined, [], []).subscription;
    expect(applySubscriptionRequest(first, [], ['*']).subscription.wildcard).toBe(false);
  });

  it('keep a wildcard when names are subscribed later', () => {
    const first = applySubscriptionRequest(undefined, [], []).subscription;
    expect(applySubscriptionRequest(first, ['x'], []).subscription.wildcard).toBe(true);
  });
});
