// ratings: GET and POST /ratings/<id>, GET /health.
import type { RatingsConfig } from '../config.js';
import type { Handler } from '../shared/http-server.js';
import { readBody, requestPath, sendJson, sendText, sleep } from '../shared/http-server.js';
import {
  DATABASE_UNREACHABLE_BODY,
  DELAY_MS,
  INVALID_RATINGS_BODY,
  NON_NUMERIC_ID_BODY,
  POST_NOT_IMPLEMENTED_BODY,
  RATINGS_HEALTHY_BODY,
  RATINGS_UNHEALTHY_BODY,
  RatingsStore,
  UNAVAILABLE_BODY,
  decideGet,
  isHealthy,
  ratingsMode,
  ratingsProductId,
} from './ratings-logic.js';

export interface RatingsDeps {
  /** Milliseconds; the fault modes that flip over time count from the handler's creation. */
  readonly now: () => number;
  /** A draw in [0, 1). */
  readonly random: () => number;
  /** Waits `ms`; rejects when the signal (server shutdown) fires first. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const realRatingsDeps: RatingsDeps = { now: Date.now, random: Math.random, sleep };

export function ratingsHandler(
  config: RatingsConfig,
  deps: RatingsDeps = realRatingsDeps,
): Handler {
  const mode = ratingsMode(config.serviceVersion);
  const startedAt = deps.now();
  const store = new RatingsStore();
  const elapsed = (): number => deps.now() - startedAt;

  return async (req, res, signal) => {
    const path = requestPath(req);
    const method = req.method === 'HEAD' ? 'GET' : req.method;

    if (method === 'GET' && path === '/health') {
      if (isHealthy(mode, elapsed())) sendJson(res, 200, RATINGS_HEALTHY_BODY);
      else sendJson(res, 500, RATINGS_UNHEALTHY_BODY);
      return;
    }
    if (!path.startsWith('/ratings/') || (method !== 'GET' && method !== 'POST')) {
      sendText(res, 404, 'Not Found');
      return;
    }
    const id = ratingsProductId(path);
    if (Number.isNaN(id)) {
      sendJson(res, 400, NON_NUMERIC_ID_BODY);
      return;
    }

    if (method === 'POST') {
      let ratings: unknown;
      try {
        ratings = JSON.parse(await readBody(req));
      } catch {
        sendJson(res, 400, INVALID_RATINGS_BODY);
        return;
      }
      if (mode === 'database') sendJson(res, 501, POST_NOT_IMPLEMENTED_BODY);
      else sendJson(res, 200, store.put(id, ratings));
      return;
    }

    switch (decideGet(mode, elapsed(), deps.random())) {
      case 'answer':
        sendJson(res, 200, store.get(id));
        return;
      case 'unavailable':
        sendJson(res, 503, UNAVAILABLE_BODY);
        return;
      case 'delay-then-answer':
        await deps.sleep(DELAY_MS, signal);
        sendJson(res, 200, store.get(id));
        return;
      case 'database':
        // The database-backed image needs MongoDB or MySQL, which this program does not
        // carry; it answers as upstream does when its database is unreachable.
        sendJson(res, 500, DATABASE_UNREACHABLE_BODY);
        return;
    }
  };
}
