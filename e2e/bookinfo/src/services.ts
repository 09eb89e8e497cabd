// Builds one bookinfo service from its environment and starts it listening. main.ts runs
// one per process; tests start several side by side on loopback.
import type { AppName, Env } from './config.js';
import { productpageConfig, ratingsConfig, reviewsConfig } from './config.js';
import { detailsHandler } from './details/details-server.js';
import { productpageHandler } from './productpage/productpage-server.js';
import type { RatingsDeps } from './ratings/ratings-server.js';
import { ratingsHandler, realRatingsDeps } from './ratings/ratings-server.js';
import { reviewsHandler } from './reviews/reviews-server.js';
import type { HttpGet } from './shared/http-client.js';
import { httpGet as realHttpGet } from './shared/http-client.js';
import type { Handler, Log, RunningServer } from './shared/http-server.js';
import { listen } from './shared/http-server.js';
import { withLogDir } from './shared/log.js';

export interface StartOptions {
  readonly port: number;
  /** Omitted: all addresses (what a pod needs); tests pass 127.0.0.1. */
  readonly host?: string;
  readonly log?: Log;
  /** Outbound calls (productpage, reviews); the real one opens a connection per call. */
  readonly httpGet?: HttpGet;
  /** Clock and dice for ratings' fault modes. */
  readonly ratings?: RatingsDeps;
  /** Clock for productpage's metrics. */
  readonly now?: () => number;
}

const quiet: Log = () => undefined;

function handlerFor(app: AppName, env: Env, options: StartOptions, log: Log): Handler {
  const httpGet = options.httpGet ?? realHttpGet;
  switch (app) {
    case 'details':
      return detailsHandler();
    case 'ratings':
      return ratingsHandler(ratingsConfig(env), options.ratings ?? realRatingsDeps);
    case 'reviews':
      return reviewsHandler(reviewsConfig(env), { httpGet, log });
    case 'productpage':
      return productpageHandler(productpageConfig(env), { httpGet, now: options.now ?? Date.now });
  }
}

export function startBookinfoService(
  app: AppName,
  env: Env,
  options: StartOptions,
): Promise<RunningServer> {
  const base = options.log ?? quiet;
  const log = app === 'reviews' ? withLogDir(base, reviewsConfig(env).logDir) : base;
  return listen(handlerFor(app, env, options, log), {
    port: options.port,
    log,
    ...(options.host === undefined ? {} : { host: options.host }),
  });
}
