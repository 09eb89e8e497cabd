import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../shared/http-server.js';
import { listen } from '../shared/http-server.js';
import type { RatingsDeps } from './ratings-server.js';
import { ratingsHandler } from './ratings-server.js';

const DEFAULT_RATINGS = '{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}';
const deps: RatingsDeps = {
  now: () => 0,
  random: () => 0.9,
  sleep: () => Promise.reject(new Error('no delay expected')),
};

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function ratings(serviceVersion: string, using: RatingsDeps = deps) {
  server = await listen(ratingsHandler({ serviceVersion }, using), { port: 0, host: '127.0.0.1' });
  const url = server.url;
  return async (path: string, init?: RequestInit) => {
    const res = await fetch(`${url}${path}`, init);
    return { status: res.status, body: await res.text() };
  };
}

describe('ratings over HTTP', () => {
  it('v1 answers the default ratings, then what was POSTed', async () => {
    const call = await ratings('v1');
    expect(await call('/ratings/0')).toEqual({
      status: 200,
      body: '{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}',
    });
    const post = await call('/ratings/0', {
      method: 'POST',
      body: '{"Reviewer1":1,"Reviewer2":2}',
      headers: { 'content-type': 'application/json' },
    });
    expect(post).toEqual({ status: 200, body: '{"id":0,"ratings":{"Reviewer1":1,"Reviewer2":2}}' });
    expect((await call('/ratings/0')).body).toBe(
      '{"id":0,"ratings":{"Reviewer1":1,"Reviewer2":2}}',
    );
  });

  it('refuses non-numeric ids and invalid JSON with 400', async () => {
    const call = await ratings('v1');
    expect(await call('/ratings/abc')).toEqual({
      status: 400,
      body: '{"error":"please provide numeric product ID"}',
    });
    expect(await call('/ratings/1', { method: 'POST', body: '{nope' })).toEqual({
      status: 400,
      body: '{"error":"please provide valid ratings JSON"}',
    });
  });

  it('answers health', async () => {
    const call = await ratings('v1');
    expect(await call('/health')).toEqual({ status: 200, body: '{"status":"Ratings is healthy"}' });
    expect((await call('/elsewhere')).status).toBe(404);
  });

  it('v-faulty answers 503 on a losing draw', async () => {
    const call = await ratings('v-faulty', { ...deps, random: () => 0.1 });
    expect(await call('/ratings/0')).toEqual({
      status: 503,
      body: '{"error":"Service unavailable"}',
    });
  });

  it('v-unhealthy reports itself unhealthy after 15 minutes', async () => {
    let now = 0;
    const call = await ratings('v-unhealthy', { ...deps, now: () => now });
    now = 15 * 60_000;
    expect(await call('/health')).toEqual({
      status: 500,
      body: '{"status":"Ratings is not healthy"}',
    });
  });

  it('v2 without a database reports it cannot reach one, and refuses POSTs', async () => {
    const call = await ratings('v2');
    expect(await call('/ratings/0')).toEqual({
      status: 500,
      body: '{"error":"could not connect to ratings database"}',
    });
    expect((await call('/ratings/0', { method: 'POST', body: '{}' })).status).toBe(501);
  });

  it('v-delayed answers a losing draw after 7 s and a winning one at once', async () => {
    const slept: number[] = [];
    let draw = 0.1;
    const call = await ratings('v-delayed', {
      ...deps,
      random: () => draw,
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    });
    expect(await call('/ratings/0')).toEqual({ status: 200, body: DEFAULT_RATINGS });
    expect(slept).toEqual([7_000]);
    draw = 0.9;
    expect(await call('/ratings/0')).toEqual({ status: 200, body: DEFAULT_RATINGS });
    expect(slept).toEqual([7_000]);
  });
});
