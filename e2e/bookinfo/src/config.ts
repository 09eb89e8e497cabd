// Everything the four services read from their environment, in one place. The variable
// names and defaults are the ones the upstream images use, so a manifest written for
// upstream bookinfo configures these programs the same way.
import { hostname } from 'node:os';

export type Env = Readonly<Record<string, string | undefined>>;

export const APP_NAMES = ['productpage', 'details', 'ratings', 'reviews'] as const;
export type AppName = (typeof APP_NAMES)[number];

export const DEFAULT_PORT = 9080;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The process environment; the only place that touches `process.env`. */
export function processEnv(): Env {
  return process.env;
}

export interface Invocation {
  readonly app: AppName;
  readonly port: number;
}

/** `main.js <app> [port]`: the upstream images take the port as their first argument. */
export function parseInvocation(args: readonly string[]): Invocation {
  const [app, portArg] = args;
  if (!isAppName(app)) {
    throw new ConfigError(
      `usage: main.js <${APP_NAMES.join('|')}> [port] (got ${app === undefined ? 'no app' : JSON.stringify(app)})`,
    );
  }
  return { app, port: portArg === undefined ? DEFAULT_PORT : parsePort(portArg) };
}

function isAppName(s: string | undefined): s is AppName {
  return (APP_NAMES as readonly (string | undefined)[]).includes(s);
}

function parsePort(s: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 65535) {
    throw new ConfigError(`port must be an integer 0-65535, got ${JSON.stringify(s)}`);
  }
  return n;
}

/**
 * `http://<HOST><.SERVICES_DOMAIN>:<PORT>` as productpage and reviews build it. A set but
 * empty SERVICES_DOMAIN still contributes its dot, as upstream's does.
 */
export function serviceBaseUrl(env: Env, app: 'details' | 'ratings' | 'reviews'): string {
  const upper = app.toUpperCase();
  const host = env[`${upper}_HOSTNAME`] ?? app;
  const domain = env.SERVICES_DOMAIN === undefined ? '' : `.${env.SERVICES_DOMAIN}`;
  const port = env[`${upper}_SERVICE_PORT`] ?? String(DEFAULT_PORT);
  return `http://${host}${domain}:${port}`;
}

export interface ProductpageConfig {
  readonly detailsUrl: string;
  readonly reviewsUrl: string;
  readonly ratingsUrl: string;
  /** Extra, ignored reviews calls per page view (the `v-flooding` image sets 100). */
  readonly floodFactor: number;
}

export function productpageConfig(env: Env): ProductpageConfig {
  const flood = env.FLOOD_FACTOR ?? '0';
  if (!/^\s*[+-]?\d+\s*$/.test(flood)) {
    throw new ConfigError(`FLOOD_FACTOR must be an integer, got ${JSON.stringify(flood)}`);
  }
  return {
    detailsUrl: serviceBaseUrl(env, 'details'),
    reviewsUrl: serviceBaseUrl(env, 'reviews'),
    ratingsUrl: serviceBaseUrl(env, 'ratings'),
    floodFactor: Math.max(0, Number.parseInt(flood, 10)),
  };
}

export interface RatingsConfig {
  /** v1 (in memory), v2 (database backed), v-faulty, v-delayed, v-unavailable, v-unhealthy. */
  readonly serviceVersion: string;
}

export function ratingsConfig(env: Env): RatingsConfig {
  return { serviceVersion: env.SERVICE_VERSION ?? 'v1' };
}

export interface ReviewsConfig {
  readonly ratingsEnabled: boolean;
  readonly starColor: string;
  readonly ratingsUrl: string;
  /** Shown as "Reviews served by:"; the pod name in Kubernetes. */
  readonly podname: string;
  /** The literal text "null" when unset, as upstream's string concatenation prints it. */
  readonly clustername: string;
  /** Where the upstream Liberty server writes its logs; we append our request log there too. */
  readonly logDir: string | undefined;
}

export function reviewsConfig(env: Env, fallbackHostname: string = hostname()): ReviewsConfig {
  return {
    // Java's Boolean.valueOf: only "true", in any case, is true.
    ratingsEnabled: (env.ENABLE_RATINGS ?? '').toLowerCase() === 'true',
    starColor: env.STAR_COLOR ?? 'black',
    ratingsUrl: serviceBaseUrl(env, 'ratings'),
    // A container runtime always sets HOSTNAME; a bare process may not, and the kernel's
    // hostname is the closest thing to a pod name there.
    podname: env.HOSTNAME ?? fallbackHostname,
    clustername: env.CLUSTER_NAME ?? 'null',
    logDir: env.LOG_DIR === '' ? undefined : env.LOG_DIR,
  };
}
