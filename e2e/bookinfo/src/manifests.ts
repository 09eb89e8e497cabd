// Absolute paths of the bookinfo and curl manifests, resolved from this module so they work
// from src/ (tests, tsx) and from dist/ alike: both sit one level below the project root.
import { fileURLToPath } from 'node:url';

const dir = (relative: string): string =>
  fileURLToPath(new URL(`../manifests/${relative}`, import.meta.url));

export const bookinfoManifests = {
  /** Services, ServiceAccounts and Deployments of all four apps (reviews v1, v2, v3). */
  bookinfo: dir('bookinfo.yaml'),
  /** Per-version Services (`reviews-v1` …), the backends the version routes point at. */
  versions: dir('bookinfo-versions.yaml'),
  /** Gateway `bookinfo-gateway` (class istio) and HTTPRoute `bookinfo` to productpage. */
  gateway: dir('gateway-api/bookinfo-gateway.yaml'),
  /** HTTPRoutes sending every service to its v1. */
  routeAllV1: dir('gateway-api/route-all-v1.yaml'),
  routeReviewsV1: dir('gateway-api/route-reviews-v1.yaml'),
  routeReviewsV3: dir('gateway-api/route-reviews-v3.yaml'),
  /** reviews: 90 % v1, 10 % v2. */
  routeReviews90v1_10v2: dir('gateway-api/route-reviews-90-10.yaml'),
  /** reviews: 50 % v1, 50 % v3. */
  routeReviews50v3: dir('gateway-api/route-reviews-50-v3.yaml'),
  /** The curl client: ServiceAccount, Service and Deployment `curl`. */
  curl: dir('curl.yaml'),
} as const;

export type BookinfoManifest = keyof typeof bookinfoManifests;

/** Where `main.js` lands after `npm run build`, for runtimes that map images to programs. */
export const bookinfoMain: string = fileURLToPath(new URL('../dist/main.js', import.meta.url));
