import { describe, expect, it } from 'vitest';
import { productpageConfig } from '../config.js';
import type { HttpGet, UpstreamResponse } from '../shared/http-client.js';
import { UpstreamError } from '../shared/http-client.js';
import { CALL_TIMEOUT_MS, productpageBackends } from './backends.js';
import { RequestResultCounter } from './metrics.js';

interface Call {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** Answers calls in order from `script`; an Error entry is thrown (timeout, refused). */
function scripted(script: (UpstreamResponse | Error)[]): { httpGet: HttpGet; calls: Call[] } {
  const calls: Call[] = [];
  const httpGet: HttpGet = (url, headers, timeoutMs) => {
    calls.push({ url, headers, timeoutMs });
    const next = script.shift() ?? new Error('unscripted call');
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { httpGet, calls };
}

const config = productpageConfig({ SERVICES_DOMAIN: 'bookinfo.svc.cluster.local' });
const ok = (body: string): UpstreamResponse => ({ status: 200, body });

describe('productpage calls to details', () => {
  it('tries once with a 3 s timeout and passes the headers on', async () => {
    const { httpGet, calls } = scripted([ok('{"id":0}')]);
    const counter = new RequestResultCounter();
    const got = await productpageBackends(config, httpGet, counter).details(0, {
      'x-request-id': 'r1',
    });
    expect(got).toEqual({ status: 200, body: { id: 0 } });
    expect(calls).toEqual([
      {
        url: 'http://details.bookinfo.svc.cluster.local:9080/details/0',
        headers: { 'x-request-id': 'r1' },
        timeoutMs: CALL_TIMEOUT_MS,
      },
    ]);
    expect(CALL_TIMEOUT_MS).toBe(3000);
    expect(counter.count('details', 200)).toBe(1);
  });

  it('does not retry, and reports the upstream status with its own error', async () => {
    const { httpGet, calls } = scripted([{ status: 503, body: 'no' }, ok('{}')]);
    const counter = new RequestResultCounter();
    const got = await productpageBackends(config, httpGet, counter).details(0, {});
    expect(got).toEqual({
      status: 503,
      body: { error: 'Sorry, product details are currently unavailable for this book.' },
    });
    expect(calls).toHaveLength(1);
    expect(counter.count('details', 503)).toBe(1);
  });

  it('reports 500 when the call itself failed', async () => {
    const { httpGet } = scripted([new UpstreamError('timed out')]);
    const got = await productpageBackends(config, httpGet, new RequestResultCounter()).details(
      0,
      {},
    );
    expect(got.status).toBe(500);
  });

  it('puts a raw API id into the path, encoded', async () => {
    const { httpGet, calls } = scripted([{ status: 400, body: '{}' }]);
    await productpageBackends(config, httpGet, new RequestResultCounter()).details('a b', {});
    expect(calls[0]?.url).toBe('http://details.bookinfo.svc.cluster.local:9080/details/a%20b');
  });
});

describe('productpage calls to reviews', () => {
  it('tries a second time after a failure', async () => {
    const { httpGet, calls } = scripted([new UpstreamError('timed out'), ok('{"id": "0"}')]);
    const counter = new RequestResultCounter();
    const got = await productpageBackends(config, httpGet, counter).reviews(0, {});
    expect(got).toEqual({ status: 200, body: { id: '0' } });
    expect(calls.map((c) => [c.url, c.timeoutMs])).toEqual([
      ['http://reviews.bookinfo.svc.cluster.local:9080/reviews/0', 3000],
      ['http://reviews.bookinfo.svc.cluster.local:9080/reviews/0', 3000],
    ]);
    expect(counter.count('reviews', 200)).toBe(1);
  });

  it('gives up after two tries with the last status', async () => {
    const { httpGet, calls } = scripted([
      { status: 500, body: '' },
      { status: 503, body: '' },
      ok('{}'),
    ]);
    const counter = new RequestResultCounter();
    const got = await productpageBackends(config, httpGet, counter).reviews(0, {});
    expect(got).toEqual({
      status: 503,
      body: { error: 'Sorry, product reviews are currently unavailable for this book.' },
    });
    expect(calls).toHaveLength(2);
    expect(counter.count('reviews', 503)).toBe(1);
    expect(counter.count('reviews', 500)).toBe(0);
  });
});

describe('productpage calls to ratings', () => {
  it('tries once and reports its own error', async () => {
    const { httpGet, calls } = scripted([new UpstreamError('refused')]);
    const got = await productpageBackends(config, httpGet, new RequestResultCounter()).ratings(
      0,
      {},
    );
    expect(got).toEqual({
      status: 500,
      body: { error: 'Sorry, product ratings are currently unavailable for this book.' },
    });
    expect(calls.map((c) => c.url)).toEqual([
      'http://ratings.bookinfo.svc.cluster.local:9080/ratings/0',
    ]);
  });
});
