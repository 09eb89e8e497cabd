/** What a client asked for, for one type URL on one stream. */
export interface Subscription {
  /** Every resource of the type (the client subscribed `*`, or sent an empty first request). */
  readonly wildcard: boolean;
  /** Explicitly named resources (resource names or aliases), `*` excluded. */
  readonly names: ReadonlySet<string>;
}

export const WILDCARD = '*';

export interface SubscriptionChange {
  readonly subscription: Subscription;
  /** Names that were not subscribed before this request. */
  readonly added: readonly string[];
  /** Names that were subscribed before and are not anymore. */
  readonly removed: readonly string[];
}

/**
 * Applies one DeltaDiscoveryRequest's subscribe/unsubscribe lists.
 * `current` is undefined for the first request of the type on the stream: an
 * empty subscribe list there means wildcard (ztunnel's default). `*` in
 * subscribe adds the wildcard, `*` in unsubscribe drops it, so ztunnel's
 * on-demand opener (subscribe `*` + unsubscribe `*`) subscribes to nothing.
 * Unsubscribing a name that was not subscribed is ignored.
 */
export function applySubscriptionRequest(
  current: Subscription | undefined,
  subscribe: readonly string[],
  unsubscribe: readonly string[],
): SubscriptionChange {
  let wildcard = current === undefined ? subscribe.length === 0 : current.wildcard;
  const names = new Set(current?.names ?? []);
  const added: string[] = [];
  const removed: string[] = [];
  for (const name of subscribe) {
    if (name === WILDCARD) wildcard = true;
    else if (!names.has(name)) {
      names.add(name);
      added.push(name);
    }
  }
  for (const name of unsubscribe) {
    if (name === WILDCARD) wildcard = false;
    else if (names.delete(name)) removed.push(name);
  }
  return { subscription: { wildcard, names }, added, removed };
}
