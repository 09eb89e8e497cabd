import { afterEach, describe, expect, it } from 'vitest';
import { reviewsConfig } from '../config.js';
import type { HttpGet } from '../shared/http-client.js';
import { UpstreamError } from '../shared/http-client.js';
import type { RunningServer } from '../shared/http-server.js';
import { listen } from '../shared/http-server.js';
import { ratingsTimeoutMs, reviewsHandler } from './reviews-server.js';

interface Call {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function reviews(env: Record<string, string>, answer: () => ReturnType<HttpGet>) {
  const calls: Call[] = [];
  const httpGet: HttpGet = (url, headers, timeoutMs) => {
    calls.push({ url, headers, timeoutMs });
    return answer();
  };
  const config = reviewsConfig({ HOSTNAME: 'reviews-pod', ...env });
  server = await listen(reviewsHandler(config, { httpGet, log: () => undefined }), {
    port: 0,
    host: '127.0.0.1',
  });
  return { url: server.url, calls };
}

const RATINGS = () =>
  Promise.resolve({ status: 200, body: '{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}' });

describe('reviews and ratings', () => {
  it('waits 10 s for ratings with black stars and 2.5 s otherwise', () => {
    expect(ratingsTimeoutMs('black')).toBe(10_000);
    expect(ratingsTimeoutMs('red')).toBe(2_500);
  });

  it('v1 never calls ratings', async () => {
    const { url, calls } = await reviews({ ENABLE_RATINGS: 'false' }, RATINGS);
    const res = await fetch(`${url}/reviews/0`);
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain('rating');
    expect(calls).toHaveLength(0);
  });

  it('v3 asks ratings with its timeout and the propagated headers', async () => {
    const { url, calls } = await reviews(
      { ENABLE_RATINGS: 'true', STAR_COLOR: 'red', RATINGS_HOSTNAME: 'ratings.test' },
      RATINGS,
    );
    const res = await fetch(`${url}/reviews/007`, {
      headers: { 'x-request-id': 'abc', 'end-user': 'jason', 'x-unrelated': 'no' },
    });
    expect(await res.text()).toContain('"rating": {"stars": 5, "color": "red"}');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('http://ratings.test:9080/ratings/7');
    expect(calls[0]?.timeoutMs).toBe(2500);
    expect(calls[0]?.headers).toMatchObject({ 'x-request-id': 'abc', 'end-user': 'jason' });
    expect(calls[0]?.headers).not.toHaveProperty('x-unrelated');
  });

  it.each([
    ['fails', () => Promise.reject(new UpstreamError('timed out'))],
    [
      'answers 503',
      () => Promise.resolve({ status: 503, body: '{"error":"Service unavailable"}' }),
    ],
  ])('shows the unavailable text when ratings %s', async (_, answer) => {
    const { url } = await reviews({ ENABLE_RATINGS: 'true' }, answer);
    const body = await (await fetch(`${url}/reviews/0`)).text();
    expect(
      body.split('"rating": {"error": "Ratings service is currently unavailable"}'),
    ).toHaveLength(3);
  });

  it('fails with 500 when ratings answers garbage', async () => {
    const { url } = await reviews({ ENABLE_RATINGS: 'true' }, () =>
      Promise.resolve({ status: 200, body: 'x' }),
    );
    expect((await fetch(`${url}/reviews/0`)).status).toBe(500);
  });

  it('answers health, and 404 for ids that are not Java ints', async () => {
    const { url } = await reviews({}, RATINGS);
    const health = await fetch(`${url}/health`);
    expect(health.headers.get('content-type')).toBe('application/json');
    expect(await health.text()).toBe('{"status": "Reviews is healthy"}');
    expect((await fetch(`${url}/reviews/abc`)).status).toBe(404);
    expect((await fetch(`${url}/reviews/99999999999`)).status).toBe(404);
  });
});
