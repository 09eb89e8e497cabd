// All four services on loopback, wired to each other through their environment the way
// the manifests wire them in a cluster, with small proxies in between to take turns over
// the reviews versions and to see the headers that arrive at details and ratings.
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppName, Env } from './config.js';
import { realRatingsDeps } from './ratings/ratings-server.js';
import { startBookinfoService } from './services.js';
import { httpGet } from './shared/http-client.js';
import type { RunningServer } from './shared/http-server.js';
import { listen } from './shared/http-server.js';

const HOST = '127.0.0.1';
const running: RunningServer[] = [];

async function start(app: AppName, env: Env, extra: { now?: () => number } = {}) {
  const server = await startBookinfoService(app, env, {
    port: 0,
    host: HOST,
    ...(extra.now === undefined
      ? {}
      : { ratings: { ...realRatingsDeps, now: extra.now, random: () => 0.9 } }),
  });
  running.push(server);
  return server;
}

/** Env pointing an app's client at a loopback server. */
function pointAt(app: 'DETAILS' | 'REVIEWS' | 'RATINGS', server: RunningServer): Env {
  return { [`${app}_HOSTNAME`]: HOST, [`${app}_SERVICE_PORT`]: String(server.port) };
}

/** Forwards GETs to `pick()`, remembering each request's headers. */
async function proxy(pick: () => string, seen: IncomingHttpHeaders[] = []) {
  const server = await listen(
    async (req, res) => {
      seen.push(req.headers);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      }
      const answer = await httpGet(`${pick()}${req.url ?? '/'}`, headers, 30_000);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    },
    { port: 0, host: HOST },
  );
  running.push(server);
  return server;
}

/** Accepts connections and never answers; counts them (each call is a new connection). */
async function blackHole(): Promise<{ port: number; connections: () => number }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  running.push({
    port: 0,
    url: '',
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          resolve();
        });
      }),
  });
  return { port: (server.address() as AddressInfo).port, connections: () => sockets.length };
}

afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
});

const count = (html: string, needle: string): number => html.split(needle).length - 1;
const get = (server: RunningServer, path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers, redirect: 'manual' });

describe('bookinfo end to end', () => {
  let productpage: RunningServer;
  const toRatings: IncomingHttpHeaders[] = [];
  const toDetails: IncomingHttpHeaders[] = [];
  let turn = 0;

  beforeAll(async () => {
    const details = await start('details', {});
    const ratings = await start('ratings', { SERVICE_VERSION: 'v1' });
    const ratingsSpy = await proxy(() => ratings.url, toRatings);
    const detailsSpy = await proxy(() => details.url, toDetails);
    const reviews = await Promise.all(
      (
        [
          ['v1', { ENABLE_RATINGS: 'false' }],
          ['v2', { ENABLE_RATINGS: 'true', STAR_COLOR: 'black' }],
          ['v3', { ENABLE_RATINGS: 'true', STAR_COLOR: 'red' }],
        ] as const
      ).map(([v, env]) =>
        start('reviews', {
          ...env,
          HOSTNAME: `reviews-${v}-pod`,
          ...pointAt('RATINGS', ratingsSpy),
        }),
      ),
    );
    const reviewsService = await proxy(() => reviews[turn++ % reviews.length]!.url);
    productpage = await start('productpage', {
      ...pointAt('DETAILS', detailsSpy),
      ...pointAt('REVIEWS', reviewsService),
      ...pointAt('RATINGS', ratings),
    });
  });

  it('serves reviews v1, v2 and v3 in turn: no stars, black stars, red stars', async () => {
    turn = 0;
    const pages = [];
    for (let i = 0; i < 3; i++) {
      const res = await get(productpage, '/productpage');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      pages.push(await res.text());
    }
    for (const html of pages) {
      expect(html).toMatch(/<title>Simple Bookstore App<\/title>/);
      expect(html).toMatch(/<h1 [^>]*>The Comedy of Errors<\/h1>/);
      expect(html).toContain('<td>1234567890</td><td>PublisherA</td><td>200</td>');
      expect(html).toContain('Book Reviews');
    }
    const [v1, v2, v3] = pages as [string, string, string];
    expect(v1).toContain('Reviews served by: reviews-v1-pod');
    expect(count(v1, 'glyphicon-star')).toBe(0);
    expect(v2).toContain('Reviews served by: reviews-v2-pod');
    expect(count(v2, 'glyphicon-star')).toBe(9);
    expect(count(v2, 'text-black-500')).toBe(2);
    expect(v3).toContain('Reviews served by: reviews-v3-pod');
    expect(count(v3, 'glyphicon-star')).toBe(9);
    expect(count(v3, '<div class="flex gap-x-1 text-red-500">')).toBe(2);
  });

  it('signs in, and passes the user as end-user with the trace headers down to ratings', async () => {
    const login = await fetch(`${productpage.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'jason', passwd: 'secret' }),
      headers: { referer: `${productpage.url}/productpage` },
      redirect: 'manual',
    });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe(`${productpage.url}/productpage`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^session=./);

    turn = 1; // reviews v2, which asks ratings
    toRatings.length = 0;
    toDetails.length = 0;
    const res = await get(productpage, '/productpage', {
      cookie,
      'x-request-id': 'req-42',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
      'user-agent': 'bookinfo-test',
      'end-user': 'mallory', // productpage sets end-user from the session, not from clients
    });
    const html = await res.text();
    expect(html).toContain('>jason</p>');
    expect(html).not.toContain('id="sign-in-button"');
    expect(count(html, 'glyphicon-star')).toBe(9);

    for (const seen of [toDetails, toRatings]) {
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        'x-request-id': 'req-42',
        'end-user': 'jason',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
        'user-agent': 'bookinfo-test',
        cookie,
      });
    }

    const logout = await get(productpage, '/logout', { cookie });
    expect(logout.status).toBe(302);
    expect(logout.headers.get('set-cookie')).toMatch(/^session=; Expires=Thu, 01 Jan 1970/);
    turn = 0;
    const after = await (await get(productpage, '/productpage')).text();
    expect(after).toContain('id="sign-in-button"');
  });

  it('serves the JSON API in Python json.dumps format', async () => {
    const products = await get(productpage, '/api/v1/products');
    expect(products.headers.get('content-type')).toBe('application/json');
    expect(await products.text()).toMatch(
      /^\[\{"id": 0, "title": "The Comedy of Errors", "descriptionHtml": "<a href=\\"https:\/\/en.wikipedia.org\/wiki\/The_Comedy_of_Errors\\">Wikipedia Summary<\/a>: /,
    );

    const details = await get(productpage, '/api/v1/products/0');
    expect(details.status).toBe(200);
    expect(await details.text()).toBe(
      '{"id": 0, "author": "William Shakespeare", "year": 1595, "type": "paperback", "pages": 200, "publisher": "PublisherA", "language": "English", "ISBN-10": "1234567890", "ISBN-13": "123-1234567890"}',
    );

    const bad = await get(productpage, '/api/v1/products/abc');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe(
      '{"error": "Sorry, product details are currently unavailable for this book."}',
    );

    turn = 2;
    const reviews = await get(productpage, '/api/v1/products/0/reviews');
    expect(await reviews.text()).toMatch(
      /^\{"id": "0", "podname": "reviews-v3-pod", "clustername": "null", "reviews": \[\{"reviewer": "Reviewer1", "text": "An extremely entertaining play by Shakespeare\. The slapstick humour is refreshing!", "rating": \{"stars": 5, "color": "red"\}\}, /,
    );

    const ratings = await get(productpage, '/api/v1/products/0/ratings');
    expect(await ratings.text()).toBe('{"id": 0, "ratings": {"Reviewer1": 5, "Reviewer2": 4}}');
  });

  it('answers health, the landing page, metrics and its stylesheet', async () => {
    const health = await get(productpage, '/health');
    expect(await health.text()).toBe('Product page is healthy');
    expect(await (await get(productpage, '/')).text()).toContain('/productpage?u=normal');
    expect(await (await get(productpage, '/index.html')).text()).toContain('Normal user');
    const metrics = await (await get(productpage, '/metrics')).text();
    expect(metrics).toMatch(
      /^request_result_total\{destination_app="details",response_code="200"\} \d+\.0$/m,
    );
    expect(metrics).toMatch(
      /^request_result_total\{destination_app="reviews",response_code="200"\}/m,
    );
    const css = await get(productpage, '/static/bookinfo.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.text-red-500');
    expect((await get(productpage, '/static/img/izzy.png')).status).toBe(404);
    expect((await get(productpage, '/nowhere')).status).toBe(404);
    expect((await fetch(`${productpage.url}/productpage`, { method: 'POST' })).status).toBe(405);
  });
});

describe('bookinfo when ratings is unavailable', () => {
  it('shows reviews with the unavailable text instead of stars once v-unavailable flips', async () => {
    let now = 0;
    const ratings = await start(
      'ratings',
      { SERVICE_VERSION: 'v-unavailable' },
      { now: () => now },
    );
    const reviews = await start('reviews', {
      ENABLE_RATINGS: 'true',
      STAR_COLOR: 'black',
      HOSTNAME: 'reviews-v2-pod',
      ...pointAt('RATINGS', ratings),
    });
    const productpage = await start('productpage', {
      DETAILS_HOSTNAME: HOST,
      DETAILS_SERVICE_PORT: '1',
      ...pointAt('REVIEWS', reviews),
    });

    const before = await (await get(productpage, '/productpage')).text();
    expect(count(before, 'glyphicon-star')).toBe(9);

    now = 60_000; // v-unavailable starts available and turns unavailable after a minute
    expect((await get(ratings, '/ratings/0')).status).toBe(503);
    const html = await (await get(productpage, '/productpage')).text();
    expect(count(html, 'Ratings service is currently unavailable')).toBe(2);
    expect(count(html, 'glyphicon-star')).toBe(0);
    expect(html).toContain('Reviews served by: reviews-v2-pod');
    // details was pointed at a closed port: its section reports the failure
    expect(html).toContain('Error fetching product details');
    expect(html).toContain('Sorry, product details are currently unavailable for this book.');
  });
});

describe('productpage against a reviews that never answers', () => {
  it('gives up after two tries of 3 s each and still renders the page', async () => {
    const details = await start('details', {});
    const hung = await blackHole();
    const productpage = await start('productpage', {
      ...pointAt('DETAILS', details),
      REVIEWS_HOSTNAME: HOST,
      REVIEWS_SERVICE_PORT: String(hung.port),
    });
    const began = performance.now();
    const res = await get(productpage, '/productpage');
    const html = await res.text();
    const elapsed = performance.now() - began;

    expect(res.status).toBe(200);
    expect(hung.connections()).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(5_900);
    expect(elapsed).toBeLessThan(9_000);
    expect(html).toContain('Error fetching product reviews');
    expect(html).toContain('Sorry, product reviews are currently unavailable for this book.');
    expect(html).toContain('Book Details');
  });
});
