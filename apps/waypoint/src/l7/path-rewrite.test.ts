// Prefix replacement (Gateway API ReplacePrefixMatch table; Envoy
// prefix_rewrite for plain prefixes), query handling, redirect Location.

import { create } from '@bufbuild/protobuf';
import { waypoint } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import type { PathMatcher } from './compiled.js';
import { hostOf, redirectLocation, replacePrefixMatch, withQuery } from './path-rewrite.js';

const pathPrefix = (value: string): PathMatcher => ({
  kind: 'path_prefix',
  value: value.endsWith('/') ? value.slice(0, -1) : value,
  ignoreCase: false,
});

describe('replace_prefix_match after a path_prefix match (Gateway API table)', () => {
  const rows: readonly [string, string, string, string][] = [
    ['/foo/bar', '/foo', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo', '/xyz/', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz', '/xyz/bar'],
    ['/foo/bar', '/foo/', '/xyz/', '/xyz/bar'],
    ['/foo', '/foo', '/xyz', '/xyz'],
    ['/foo/', '/foo', '/xyz', '/xyz/'],
    ['/foo/bar', '/foo', '', '/bar'],
    ['/foo/', '/foo', '', '/'],
    ['/foo', '/foo', '', '/'],
    ['/foo/', '/foo', '/', '/'],
    ['/foo', '/foo', '/', '/'],
    ['/bar', '/', '/xyz', '/xyz/bar'],
  ];
  it.each(rows)('%s matched by %s, replaced by %j → %s', (path, prefix, replacement, expected) => {
    expect(replacePrefixMatch(path, pathPrefix(prefix), replacement)).toBe(expected);
  });
});

describe('replace_prefix_match after other matches (Envoy prefix_rewrite)', () => {
  it('a plain prefix replaces exactly its characters', () => {
    const m: PathMatcher = { kind: 'prefix', value: '/api', ignoreCase: false };
    expect(replacePrefixMatch('/apiv1/x', m, '/v2')).toBe('/v2v1/x');
  });
  it('an exact match replaces the whole path', () => {
    const m: PathMatcher = { kind: 'exact', value: '/old', ignoreCase: false };
    expect(replacePrefixMatch('/old', m, '/new')).toBe('/new');
  });
  it('no path match reads as the prefix /', () => {
    expect(replacePrefixMatch('/a/b', undefined, '/v2/')).toBe('/v2/a/b');
  });
  it('a case-insensitive prefix replaces what it matched', () => {
    const m: PathMatcher = { kind: 'path_prefix', value: '/foo', ignoreCase: true };
    expect(replacePrefixMatch('/FOO/bar', m, '/x')).toBe('/x/bar');
  });
});

describe('query and host helpers', () => {
  it('keeps the query unless the new path brings one', () => {
    expect(withQuery('/a', 'x=1')).toBe('/a?x=1');
    expect(withQuery('/a?y=2', 'x=1')).toBe('/a?y=2');
    expect(withQuery('/a', '')).toBe('/a');
  });
  it.each([
    ['reviews:9080', 'reviews'],
    ['reviews', 'reviews'],
    ['[fd00::1]:80', '[fd00::1]'],
    ['[fd00::1]', '[fd00::1]'],
  ])('host of %s is %s', (authority, host) => {
    expect(hostOf(authority)).toBe(host);
  });
});

describe('redirect Location', () => {
  const req = { scheme: 'http', authority: 'reviews:9080', path: '/foo/bar', query: 'q=1' };
  const foo = pathPrefix('/foo');
  const rows: readonly [
    string,
    Parameters<typeof create<typeof waypoint.RedirectSchema>>[1],
    string,
  ][] = [
    [
      'keeps scheme, host (no port), path and query',
      { statusCode: 302 },
      'http://reviews/foo/bar?q=1',
    ],
    ['scheme', { statusCode: 302, scheme: 'https' }, 'https://reviews/foo/bar?q=1'],
    ['hostname', { statusCode: 302, hostname: 'example.com' }, 'http://example.com/foo/bar?q=1'],
    ['port', { statusCode: 302, port: 8443, scheme: 'https' }, 'https://reviews:8443/foo/bar?q=1'],
    [
      'full path',
      { statusCode: 301, path: { case: 'replaceFullPath', value: '/new' } },
      'http://reviews/new?q=1',
    ],
    [
      'prefix',
      { statusCode: 301, path: { case: 'replacePrefixMatch', value: '/xyz' } },
      'http://reviews/xyz/bar?q=1',
    ],
  ];
  it.each(rows)('%s', (_name, init, location) => {
    expect(redirectLocation(create(waypoint.RedirectSchema, init), req, foo)).toBe(location);
  });
});
