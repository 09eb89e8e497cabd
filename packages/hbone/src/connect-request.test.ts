import { describe, expect, it } from 'vitest';
import { classifyRequest, headerListBytes } from './connect-request.js';

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

describe('header list size', () => {
  const limits = { maxHeaderListBytes: 64 * 1024 };
  const connect = { ':method': 'CONNECT', ':authority': '10.1.1.1:8080' };

  it('counts name + value + 32 per field, duplicates included', () => {
    expect(headerListBytes({}, [':method', 'CONNECT', 'cookie', 'a', 'cookie', 'b'])).toBe(
      7 + 7 + 32 + (6 + 1 + 32) * 2,
    );
  });

  it('answers 431 to a list over the advertised maximum, whatever else is wrong with it', () => {
    const big = 'x'.repeat(40 * 1024);
    const raw = [':method', 'GET', 'a', big, 'b', big];
    expect(classifyRequest({ ':method': 'GET', a: big, b: big }, limits, raw)).toMatchObject({
      kind: 'reject',
      status: 431,
    });
  });

  it('lets a list at the maximum through', () => {
    const fill = 64 * 1024 - headerListBytes(connect) - ('x-fill'.length + FIELD_OVERHEAD_TEST);
    const headers = { ...connect, 'x-fill': 'y'.repeat(fill) };
    expect(headerListBytes(headers)).toBe(64 * 1024);
    expect(classifyRequest(headers, limits).kind).toBe('connect');
  });
});

const FIELD_OVERHEAD_TEST = 32;
