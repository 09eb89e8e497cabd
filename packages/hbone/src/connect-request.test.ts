import { describe, expect, it } from 'vitest';
import { classifyRequest } from './connect-request.js';

describe('incoming request classification', () => {
  it('accepts a plain CONNECT with an ip:port authority', () => {
    const v = classifyRequest({ ':method': 'CONNECT', ':authority': '10.1.1.1:8080' });
    expect(v.kind).toBe('connect');
    expect(v.kind === 'connect' && v.target).toMatchObject({ ip: '10.1.1.1', port: 8080 });
  });

  it.each(['GET', 'POST', 'PUT', undefined])('answers 400 to method %s', (method) => {
    expect(
      classifyRequest({ ':method': method, ':path': '/', ':authority': '1.2.3.4:80' }),
    ).toMatchObject({
      kind: 'reject',
      status: 400,
    });
  });

  it.each(['foo', '1.2.3.4', '1.2.3.4:99999', '[::1', 'svc.ns.svc.cluster.local:80'])(
    'answers 400 to authority %j',
    (authority) => {
      expect(classifyRequest({ ':method': 'CONNECT', ':authority': authority })).toMatchObject({
        kind: 'reject',
        status: 400,
      });
    },
  );

  it.each([
    [{ ':scheme': 'https' }, ':scheme'],
    [{ ':path': '/' }, ':path'],
    [{ ':protocol': 'websocket' }, ':protocol'],
  ])('treats CONNECT with %j as malformed (RFC 9113 §8.5)', (extra, what) => {
    expect(classifyRequest({ ':method': 'CONNECT', ':authority': '1.2.3.4:80', ...extra })).toEqual(
      {
        kind: 'malformed',
        reason: `CONNECT carries ${what}`,
      },
    );
  });

  it('treats CONNECT without :authority as malformed', () => {
    expect(classifyRequest({ ':method': 'CONNECT' })).toMatchObject({ kind: 'malformed' });
  });
});
