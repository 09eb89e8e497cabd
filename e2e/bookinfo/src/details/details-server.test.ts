import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../shared/http-server.js';
import { listen } from '../shared/http-server.js';
import { detailsHandler } from './details-server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await listen(detailsHandler(), { port: 0, host: '127.0.0.1' });
});
afterAll(() => server.close());

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

describe('details over HTTP', () => {
  it('answers /details/<id> with the book as JSON', async () => {
    expect(await get('/details/0')).toEqual({
      status: 200,
      type: 'application/json',
      body: '{"id":0,"author":"William Shakespeare","year":1595,"type":"paperback","pages":200,"publisher":"PublisherA","language":"English","ISBN-10":"1234567890","ISBN-13":"123-1234567890"}',
    });
    expect((await get('/details/010')).body).toMatch(/^\{"id":8,/);
  });

  it('answers a non-numeric id with 400', async () => {
    expect(await get('/details/abc')).toEqual({
      status: 400,
      type: 'application/json',
      body: '{"error":"please provide numeric product id"}',
    });
    expect((await get('/details')).status).toBe(400);
  });

  it('answers health and nothing outside its mounts', async () => {
    expect(await get('/health')).toEqual({
      status: 200,
      type: 'application/json',
      body: '{"status":"Details is healthy"}',
    });
    expect((await get('/detailsX/1')).status).toBe(404);
    expect((await get('/')).status).toBe(404);
  });
});
