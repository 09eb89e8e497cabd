import { describe, expect, it } from 'vitest';
import { normalizeRequestPath, type PathNormalization } from './path-normalization.js';

describe('normalizeRequestPath', () => {
  it.each<[string, PathNormalization, string]>([
    ['/a/../b', 'BASE', '/b'],
    ['/public/./data/abc/../xyz', 'BASE', '/public/data/xyz'],
    ['/..', 'BASE', '/'],
    ['/a/b/..', 'BASE', '/a/'],
    ['/../../etc/passwd', 'BASE', '/etc/passwd'],
    ['\\da', 'BASE', '/da'],
    ['/some\\data', 'BASE', '/some/data'],
    ['/%61%62%63/%2d%2E%5f%7E%30', 'BASE', '/abc/-._~0'],
    ['/%2e%2e/secret', 'BASE', '/secret'],
    ['/a/%2E%2E/b', 'BASE', '/b'],
    ['/some%2fdata/%61', 'BASE', '/some%2fdata/a'],
    ['/a%5Cb', 'BASE', '/a%5Cb'],
    ['/%20space', 'BASE', '/%20space'],
    ['/a//b', 'BASE', '/a//b'],
    ['/a//b///c', 'MERGE_SLASHES', '/a/b/c'],
    ['/some%2fdata/%61%62%63', 'DECODE_AND_MERGE_SLASHES', '/some/data/abc'],
    ['/a%2F%2Fb%5cc', 'DECODE_AND_MERGE_SLASHES', '/a/b/c'],
    ['/a/../b//c', 'NONE', '/a/../b//c'],
    ['/foo?v=1', 'BASE', '/foo'],
    ['/foo?redirect=/admin#x', 'BASE', '/foo'],
    ['/public#/../admin', 'BASE', '/public'],
    ['/user/profile#x', 'NONE', '/user/profile'],
  ])('%s (%s) → %s', (target, mode, expected) => {
    const result = normalizeRequestPath(target, mode);
    expect(result).toMatchObject({ ok: true, path: expected });
  });

  it('keeps the query for forwarding', () => {
    expect(normalizeRequestPath('/a/../b?x=1&y=2')).toEqual({
      ok: true,
      path: '/b',
      query: 'x=1&y=2',
    });
  });

  it.each([
    ['/a%00b', /%00/],
    ['a/b', /must start with \//],
    ['*', /must start with \//],
    ['', /must start with \//],
  ])('rejects %j', (target, reason) => {
    const result = normalizeRequestPath(target);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
