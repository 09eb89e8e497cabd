// ratings' answers and its SERVICE_VERSION fault modes, free of sockets and timers: the
// server asks `decideGet` what to do with the current time and a random draw.
// Upstream ratings is Node too, so JSON.stringify produces its exact bytes.

export const RATINGS_HEALTHY_BODY = JSON.stringify({ status: 'Ratings is healthy' });
export const RATINGS_UNHEALTHY_BODY = JSON.stringify({ status: 'Ratings is not healthy' });
export const NON_NUMERIC_ID_BODY = JSON.stringify({ error: 'please provide numeric product ID' });
export const INVALID_RATINGS_BODY = JSON.stringify({ error: 'please provide valid ratings JSON' });
export const UNAVAILABLE_BODY = JSON.stringify({ error: 'Service unavailable' });
export const POST_NOT_IMPLEMENTED_BODY = JSON.stringify({
  error: 'Post not implemented for database backed ratings',
});
export const DATABASE_UNREACHABLE_BODY = JSON.stringify({
  error: 'could not connect to ratings database',
});

/** How long v-delayed holds a delayed answer. */
export const DELAY_MS = 7_000;
/** v-unavailable starts available and flips every minute. */
export const UNAVAILABLE_TOGGLE_MS = 60_000;
/** v-unhealthy flips health and availability every 15 minutes. */
export const UNHEALTHY_TOGGLE_MS = 900_000;

export type RatingsMode =
  'memory' | 'database' | 'faulty' | 'delayed' | 'unavailable' | 'unhealthy';

export function ratingsMode(serviceVersion: string): RatingsMode {
  switch (serviceVersion) {
    case 'v2':
      return 'database';
    case 'v-faulty':
      return 'faulty';
    case 'v-delayed':
      return 'delayed';
    case 'v-unavailable':
      return 'unavailable';
    case 'v-unhealthy':
      return 'unhealthy';
    default:
      return 'memory';
  }
}

function flipped(elapsedMs: number, periodMs: number): boolean {
  return Math.floor(Math.max(0, elapsedMs) / periodMs) % 2 === 1;
}

export function isHealthy(mode: RatingsMode, elapsedMs: number): boolean {
  return !(mode === 'unhealthy' && flipped(elapsedMs, UNHEALTHY_TOGGLE_MS));
}

export type GetDecision = 'answer' | 'unavailable' | 'delay-then-answer' | 'database';

/** `random` is a draw in [0, 1); the faulty and delayed modes misbehave on half of them. */
export function decideGet(mode: RatingsMode, elapsedMs: number, random: number): GetDecision {
  switch (mode) {
    case 'database':
      return 'database';
    case 'faulty':
      return random <= 0.5 ? 'unavailable' : 'answer';
    case 'delayed':
      return random <= 0.5 ? 'delay-then-answer' : 'answer';
    case 'unavailable':
      return flipped(elapsedMs, UNAVAILABLE_TOGGLE_MS) ? 'unavailable' : 'answer';
    case 'unhealthy':
      return flipped(elapsedMs, UNHEALTHY_TOGGLE_MS) ? 'unavailable' : 'answer';
    case 'memory':
      return 'answer';
  }
}

/**
 * The product id as upstream reads it: JavaScript's parseInt of the last path segment, so
 * `/ratings/7abc` is 7 and `/ratings/abc` is NaN.
 */
export function ratingsProductId(path: string): number {
  return Number.parseInt(path.split('/').pop() ?? '', 10);
}

interface ProductRatings {
  readonly id: number;
  readonly ratings: unknown;
}

/** Ratings POSTed to a v1 ratings live here until the process exits. */
export class RatingsStore {
  readonly #added = new Map<number, ProductRatings>();

  put(id: number, ratings: unknown): string {
    this.#added.set(id, { id, ratings });
    return this.get(id);
  }

  get(id: number): string {
    return JSON.stringify(this.#added.get(id) ?? { id, ratings: { Reviewer1: 5, Reviewer2: 4 } });
  }
}
