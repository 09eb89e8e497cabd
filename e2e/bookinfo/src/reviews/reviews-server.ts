// reviews: GET /reviews/<id> (asking ratings first when enabled) and GET /health.
import type { IncomingHttpHeaders } from 'node:http';
import type { ReviewsConfig } from '../config.js';
import type { HttpGet } from '../shared/http-client.js';
import type { Handler, Log } from '../shared/http-server.js';
import { requestPath, send, sendJson } from '../shared/http-server.js';
import { BACKEND_FORWARDED, forwardedHeaders } from '../shared/propagation.js';
import type { ReviewerStars } from './reviews-body.js';
import {
  REVIEWS_HEALTH_BODY,
  parseJavaInt,
  reviewsBody,
  starsFromRatings,
} from './reviews-body.js';

/**
 * v2 (black stars) waits up to 10 s for ratings and v3 (any other colour) 2.5 s: the
 * difference is what the fault-injection task's 7 s ratings delay exposes.
 */
export function ratingsTimeoutMs(starColor: string): number {
  return starColor === 'black' ? 10_000 : 2_500;
}

export interface ReviewsDeps {
  readonly httpGet: HttpGet;
  readonly log: Log;
}

export function reviewsHandler(config: ReviewsConfig, deps: ReviewsDeps): Handler {
  const timeoutMs = ratingsTimeoutMs(config.starColor);

  async function fetchStars(
    productId: number,
    incoming: IncomingHttpHeaders,
  ): Promise<ReviewerStars> {
    const url = `${config.ratingsUrl}/ratings/${productId}`;
    const headers = {
      ...forwardedHeaders(incoming, BACKEND_FORWARDED),
      accept: 'application/json',
    };
    let status: number;
    let body: string;
    try {
      ({ status, body } = await deps.httpGet(url, headers, timeoutMs));
    } catch (err) {
      deps.log(`Error: unable to contact ${url}: ${String(err)}`);
      return [undefined, undefined];
    }
    if (status !== 200) {
      deps.log(`Error: unable to contact ${url} got status of ${status}`);
      return [undefined, undefined];
    }
    return starsFromRatings(body);
  }

  return async (req, res) => {
    const path = requestPath(req);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain', 'Method Not Allowed');
      return;
    }
    if (path === '/health') {
      sendJson(res, 200, REVIEWS_HEALTH_BODY);
      return;
    }
    const match = /^\/reviews\/([^/]+)\/?$/.exec(path);
    const productId = match?.[1] === undefined ? undefined : parseJavaInt(match[1]);
    if (productId === undefined) {
      send(res, 404, 'text/plain', 'Not Found');
      return;
    }
    const stars = config.ratingsEnabled ? await fetchStars(productId, req.headers) : undefined;
    sendJson(
      res,
      200,
      reviewsBody({
        productId,
        podname: config.podname,
        clustername: config.clustername,
        starColor: config.starColor,
        ...(stars === undefined ? {} : { stars }),
      }),
    );
  };
}
