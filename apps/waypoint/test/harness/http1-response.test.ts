import { describe, expect, it } from 'vitest';
import { Http1ResponseError, readHttp1Response } from './http1-response.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('reading a keep-alive HTTP/1.1 response off a buffer', () => {
  it('waits for the whole Content-Length body and reports what it consumed', () => {
    const full = b('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhelloHTTP/1.1');
    expect(readHttp1Response(full.subarray(0, 20))).toBeUndefined();
    expect(readHttp1Response(full.subarray(0, full.indexOf('hello') + 4))).toBeUndefined();
    const r = readHttp1Response(full);
    expect(r?.status).toBe(200);
    expect(r?.headers).toEqual({ 'content-length': '5', 'x-a': '1' });
    expect(r?.body.toString()).toBe('hello');
    expect(r?.keepAlive).toBe(true);
    expect(r?.consumed).toBe(full.indexOf('hello') + 5);
  });

  it('joins chunks, skips extensions and trailers, and waits for the last empty line', () => {
    const full = b(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nT: 1\r\n\r\n',
    );
    for (let cut = 0; cut < full.length; cut++) {
      expect(readHttp1Response(full.subarray(0, cut))).toBeUndefined();
    }
    const r = readHttp1Response(full);
    expect(r?.body.toString()).toBe('abc0123456789');
    expect(r?.consumed).toBe(full.length);
  });

  it('has no body for 204 and 304 whatever the headers say', () => {
    expect(
      readHttp1Response(b('HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n'))?.body,
    ).toEqual(Buffer.alloc(0));
    expect(readHttp1Response(b('HTTP/1.1 304 Not Modified\r\n\r\n'))?.status).toBe(304);
  });

  it('joins repeated fields and notices Connection: close', () => {
    const r = readHttp1Response(
      b(
        'HTTP/1.1 503 x\r\nVia: a\r\nvia: b\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n',
      ),
    );
    expect(r?.headers.via).toBe('a, b');
    expect(r?.keepAlive).toBe(false);
  });

  it('refuses what it cannot delimit or read', () => {
    expect(() => readHttp1Response(b('HTTP/1.1 200 OK\r\n\r\nrest'))).toThrow(
      /neither Content-Length/,
    );
    expect(() => readHttp1Response(b('HTTP/2 200\r\n\r\n'))).toThrow(Http1ResponseError);
    expect(() => readHttp1Response(b('HTTP/1.1 200 OK\r\nbad\r\n\r\n'))).toThrow(
      /malformed header/,
    );
    expect(() => readHttp1Response(b('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'))).toThrow(
      /Content-Length/,
    );
    expect(() =>
      readHttp1Response(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')),
    ).toThrow(/chunk size/);
    expect(() =>
      readHttp1Response(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n')),
    ).toThrow(/CRLF/);
    expect(() => readHttp1Response(Buffer.alloc(70 * 1024, 'a'))).toThrow(/64 KiB/);
  });
});
