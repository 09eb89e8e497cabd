// productpage's calls to details, reviews and ratings, with upstream's timeouts and its
// deliberate second try on reviews (the fault-injection task relies on it: a 7 s ratings
// delay behind reviews v2 makes productpage give up after 2 x 3 s).
import type { ProductpageConfig } from '../config.js';
import type { HttpGet, UpstreamResponse } from '../shared/http-client.js';
import type { RequestResultCounter } from './metrics.js';

export const CALL_TIMEOUT_MS = 3_000;
export const REVIEWS_TRIES = 2;

export const DETAILS_UNAVAILABLE = {
  error: 'Sorry, product details are currently unavailable for this book.',
};
export const REVIEWS_UNAVAILABLE = {
  error: 'Sorry, product reviews are currently unavailable for this book.',
};
export const RATINGS_UNAVAILABLE = {
  error: 'Sorry, product ratings are currently unavailable for this book.',
};

/** A backend's answer: its parsed JSON on 200, else its status (500 if none) and our error. */
export interface Fetched {
  readonly status: number;
  readonly body: unknown;
}

export type Headers = Readonly<Record<string, string>>;

export interface Backends {
  details(productId: string | number, headers: Headers): Promise<Fetched>;
  reviews(productId: string | number, headers: Headers): Promise<Fetched>;
  ratings(productId: string | number, headers: Headers): Promise<Fetched>;
}

type App = 'details' | 'reviews' | 'ratings';

export function productpageBackends(
  config: ProductpageConfig,
  httpGet: HttpGet,
  counter: RequestResultCounter,
): Backends {
  const base: Record<App, string> = {
    details: config.detailsUrl,
    reviews: config.reviewsUrl,
    ratings: config.ratingsUrl,
  };
  const unavailable: Record<App, object> = {
    details: DETAILS_UNAVAILABLE,
    reviews: REVIEWS_UNAVAILABLE,
    ratings: RATINGS_UNAVAILABLE,
  };

  async function attempt(url: string, headers: Headers): Promise<UpstreamResponse | undefined> {
    try {
      return await httpGet(url, headers, CALL_TIMEOUT_MS);
    } catch {
      return undefined;
    }
  }

  async function call(app: App, productId: string | number, headers: Headers, tries: number) {
    const url = `${base[app]}/${app}/${encodeURIComponent(String(productId))}`;
    let last: UpstreamResponse | undefined;
    for (let i = 0; i < tries; i++) {
      last = await attempt(url, headers);
      if (last?.status === 200) {
        const body = parseJson(last.body);
        if (body !== undefined) {
          counter.inc(app, 200);
          return { status: 200, body };
        }
      }
    }
    const status = last !== undefined && last.status !== 200 ? last.status : 500;
    counter.inc(app, status);
    return { status, body: unavailable[app] };
  }

  return {
    details: (id, headers) => call('details', id, headers, 1),
    reviews: (id, headers) => call('reviews', id, headers, REVIEWS_TRIES),
    ratings: (id, headers) => call('ratings', id, headers, 1),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
