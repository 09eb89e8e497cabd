// The first scenario, driver-agnostic: upstream bookinfo (our apps under the
// upstream image names) applied unchanged into a namespace the test creates,
// every pod Ready, productpage reached from the curl pod by its short service
// name (cluster DNS, then kube-proxy's ClusterIP), reviews from all three
// versions over repeated calls, then everything deleted.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { ClusterDriver } from '../drivers/cluster-driver.js';
import type { Timings } from '../timings.js';
import { readProductPage, type ReviewsVersion } from './product-page.js';

export const BOOKINFO_MANIFESTS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'bookinfo',
  'manifests',
);
export const BOOKINFO_FILES = ['bookinfo.yaml', 'bookinfo-versions.yaml', 'curl.yaml'] as const;
/** details, ratings, reviews v1-v3, productpage, curl. */
export const BOOKINFO_POD_COUNT = 7;
export const MAX_PRODUCTPAGE_CALLS = 60;

export async function bookinfoManifestText(): Promise<string[]> {
  return Promise.all(
    BOOKINFO_FILES.map((f) => readFile(path.join(BOOKINFO_MANIFESTS_DIR, f), 'utf8')),
  );
}

export interface BookinfoScenarioContext {
  driver(): ClusterDriver;
  readonly timings: Timings;
  /** Runs before the namespace is deleted: the place to keep logs of a failed step while the pods still exist. */
  beforeCleanup?(): Promise<void>;
}

/** Registers the scenario's steps as tests in the current describe block (they run in order). */
export function bookinfoScenario(ctx: BookinfoScenarioContext, namespace = 'bookinfo-e2e'): void {
  let curlPod = '';

  it(
    'applies upstream bookinfo, its versioned services and the curl client, and every pod becomes Ready',
    async () => {
      const d = ctx.driver();
      const started = Date.now();
      await d.createNamespace(namespace);
      for (const text of await bookinfoManifestText()) await d.applyManifests(text, namespace);
      const pods = await d.waitForPodsReady(namespace, undefined, 5 * 60_000, BOOKINFO_POD_COUNT);
      ctx.timings['bookinfo: apply → all pods Ready'] = Date.now() - started;
      expect(pods.length).toBe(BOOKINFO_POD_COUNT);
      const curl = pods.find((p) => p.metadata?.labels?.['app'] === 'curl');
      expect(curl, 'a Ready curl pod').toBeDefined();
      curlPod = curl?.metadata?.name ?? '';
    },
    6 * 60_000,
  );

  it('serves the product page with the book from the curl pod by the short name productpage', async () => {
    const r = await ctx.driver().exec({ namespace, pod: curlPod }, [
      'curl',
      '-sS',
      '--max-time',
      '10',
      // Pods can be Ready a moment before kube-proxy has programmed the Service's
      // endpoints (EndpointSlice → iptables is asynchronous): until then the
      // ClusterIP is refused or unreachable, so a failed first connection is
      // retried, as a user would.
      '--retry',
      '10',
      '--retry-all-errors',
      '--retry-delay',
      '1',
      'http://productpage:9080/productpage',
    ]);
    expect(r.exitCode, `curl failed: ${r.stderr}`).toBe(0);
    const page = readProductPage(r.stdout);
    expect(page.problems, r.stdout.slice(0, 2000)).toEqual([]);
    expect(page.hasPageTitle).toBe(true);
    expect(page.hasBookTitle).toBe(true);
  }, 60_000);

  it(
    'shows reviews from v1 (no stars), v2 (black stars) and v3 (red stars) over repeated calls',
    async () => {
      const seen = new Map<ReviewsVersion, number>();
      const started = Date.now();
      for (let i = 0; i < MAX_PRODUCTPAGE_CALLS && seen.size < 3; i++) {
        const r = await ctx
          .driver()
          .exec({ namespace, pod: curlPod }, [
            'curl',
            '-sS',
            '--max-time',
            '10',
            'http://productpage:9080/productpage',
          ]);
        expect(r.exitCode, `call ${i + 1}: curl failed: ${r.stderr}`).toBe(0);
        const page = readProductPage(r.stdout);
        expect(page.problems, `call ${i + 1}`).toEqual([]);
        if (page.reviewsVersion)
          seen.set(page.reviewsVersion, (seen.get(page.reviewsVersion) ?? 0) + 1);
      }
      ctx.timings['bookinfo: calls until v1+v2+v3 seen'] = Date.now() - started;
      expect(
        [...seen.keys()].sort(),
        `versions seen: ${JSON.stringify(Object.fromEntries(seen))}`,
      ).toEqual(['v1', 'v2', 'v3']);
    },
    5 * 60_000,
  );

  it('serves container logs through the apiserver', async () => {
    const d = ctx.driver();
    const pods = await d.waitForPodsReady(namespace, 'app=productpage', 30_000);
    const name = pods[0]?.metadata?.name ?? '';
    const log = await d.logs(namespace, name);
    expect(log.length, `log of ${name}`).toBeGreaterThan(0);
  }, 60_000);

  it(
    'deletes everything it created',
    async () => {
      await ctx.beforeCleanup?.();
      const started = Date.now();
      await ctx.driver().deleteNamespace(namespace, 3 * 60_000);
      ctx.timings['bookinfo: namespace deleted'] = Date.now() - started;
    },
    4 * 60_000,
  );
}
