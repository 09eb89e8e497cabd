// Route selection through planRequest: each match kind, first match wins.

import { describe, expect, it } from 'vitest';
import { planRequest } from './plan-request.js';
import { queryParam } from './route-match.js';
import { compiled, forwardTo, request, type RouteInit } from './test-fixtures.js';
import type { HttpRequestView } from './types.js';

type Match = NonNullable<RouteInit['matches']>[number];

/** Whether a listener with one route of this match routes the request (else 404). */
function routes(match: Match, req: Partial<HttpRequestView>): boolean {
  const l = compiled({
    httpRoutes: [{ name: 'r', matches: [match], action: forwardTo('reviews') }],
  });
  const plan = planRequest(l, request(req));
  if (plan.kind === 'respond' && plan.reason === 'no-route') return false;
  expect(plan.kind).toBe('forward');
  return true;
}

const exact = (value: string, ignoreCase = false) => ({
  kind: { case: 'exact' as const, value },
  ignoreCase,
});

describe('path matches', () => {
  const rows: readonly [string, Match, string, boolean][] = [
    ['exact', { path: { kind: { case: 'exact', value: '/a' } } }, '/a?x=1', true],
    ['exact is case-sensitive', { path: { kind: { case: 'exact', value: '/a' } } }, '/A', false],
    [
      'exact with ignore_case',
      { path: { kind: { case: 'exact', value: '/Ab' }, ignoreCase: true } },
      '/aB',
      true,
    ],
    [
      'exact does not match a longer path',
      { path: { kind: { case: 'exact', value: '/a' } } },
      '/a/b',
      false,
    ],
    [
      'prefix is a plain string prefix',
      { path: { kind: { case: 'prefix', value: '/foo' } } },
      '/foobar',
      true,
    ],
    [
      'path_prefix matches the segment',
      { path: { kind: { case: 'pathPrefix', value: '/foo' } } },
      '/foo',
      true,
    ],
    [
      'path_prefix matches below it',
      { path: { kind: { case: 'pathPrefix', value: '/foo' } } },
      '/foo/bar',
      true,
    ],
    [
      'path_prefix stops at the segment boundary',
      { path: { kind: { case: 'pathPrefix', value: '/foo' } } },
      '/foobar',
      false,
    ],
    [
      'path_prefix ignores a trailing / in the value',
      { path: { kind: { case: 'pathPrefix', value: '/foo/' } } },
      '/foo',
      true,
    ],
    [
      'path_prefix / matches everything',
      { path: { kind: { case: 'pathPrefix', value: '/' } } },
      '/anything',
      true,
    ],
    [
      'path_prefix with ignore_case',
      { path: { kind: { case: 'pathPrefix', value: '/Foo' }, ignoreCase: true } },
      '/fOO/x',
      true,
    ],
    [
      'regex must match the whole path',
      { path: { kind: { case: 'regex', value: '/a/[0-9]+' } } },
      '/a/12',
      true,
    ],
    [
      'regex is anchored at the end',
      { path: { kind: { case: 'regex', value: '/a/[0-9]+' } } },
      '/a/12/x',
      false,
    ],
    ['regex ignores the query', { path: { kind: { case: 'regex', value: '/a' } } }, '/a?b=c', true],
    [
      'the path is matched after normalization',
      { path: { kind: { case: 'exact', value: '/a/c' } } },
      '/a/b/../%63',
      true,
    ],
  ];
  it.each(rows)('%s', (_name, match, p, expected) => {
    expect(routes(match, { path: p })).toBe(expected);
  });
});

describe('header matches', () => {
  const rows: readonly [string, Match, Partial<HttpRequestView>, boolean][] = [
    [
      'exact',
      { headers: [{ name: 'x-user', value: exact('alice') }] },
      { headers: { 'x-user': 'alice' } },
      true,
    ],
    [
      'absent header',
      { headers: [{ name: 'x-user', value: exact('alice') }] },
      { headers: {} },
      false,
    ],
    [
      'several values are joined with ","',
      { headers: [{ name: 'x-v', value: exact('a,b') }] },
      { headers: { 'x-v': ['a', 'b'] } },
      true,
    ],
    [
      'one of several values alone does not match',
      { headers: [{ name: 'x-v', value: exact('a') }] },
      { headers: { 'x-v': ['a', 'b'] } },
      false,
    ],
    [
      'ignore_case',
      { headers: [{ name: 'x-user', value: exact('ALICE', true) }] },
      { headers: { 'x-user': 'Alice' } },
      true,
    ],
    [
      'regex full match',
      { headers: [{ name: 'x-v', value: { kind: { case: 'regex', value: 'v[12]' } } }] },
      { headers: { 'x-v': 'v2' } },
      true,
    ],
    [
      'regex is not a substring search',
      { headers: [{ name: 'x-v', value: { kind: { case: 'regex', value: 'v[12]' } } }] },
      { headers: { 'x-v': 'xv2' } },
      false,
    ],
    [
      'suffix',
      { headers: [{ name: 'x-v', value: { kind: { case: 'suffix', value: '-canary' } } }] },
      { headers: { 'x-v': 'b-canary' } },
      true,
    ],
    [
      'presence needs a non-empty value',
      { headers: [{ name: 'x-v', value: { kind: { case: 'presence', value: {} } } }] },
      { headers: { 'x-v': '' } },
      false,
    ],
    [
      'invert holds when the value differs',
      { headers: [{ name: 'x-v', value: exact('a'), invert: true }] },
      { headers: { 'x-v': 'b' } },
      true,
    ],
    [
      'invert holds when the header is absent',
      { headers: [{ name: 'x-v', value: exact('a'), invert: true }] },
      { headers: {} },
      true,
    ],
    [
      'invert fails when the value matches',
      { headers: [{ name: 'x-v', value: exact('a'), invert: true }] },
      { headers: { 'x-v': 'a' } },
      false,
    ],
    [
      'host reads the authority',
      { headers: [{ name: 'host', value: exact('reviews:9080') }] },
      {},
      true,
    ],
    [
      ':authority reads the authority',
      { headers: [{ name: ':authority', value: { kind: { case: 'prefix', value: 'reviews' } } }] },
      {},
      true,
    ],
    [
      ':authority ignores a stray host header',
      { headers: [{ name: ':authority', value: exact('evil') }] },
      { headers: { host: 'evil' } },
      false,
    ],
    [':method', { headers: [{ name: ':method', value: exact('GET') }] }, {}, true],
    [
      ':path is the normalized target with its query',
      { headers: [{ name: ':path', value: exact('/a?b=1') }] },
      { path: '/x/../a?b=1' },
      true,
    ],
    [
      'all headers must hold',
      {
        headers: [
          { name: 'a', value: exact('1') },
          { name: 'b', value: exact('2') },
        ],
      },
      { headers: { a: '1', b: '3' } },
      false,
    ],
  ];
  it.each(rows)('%s', (_name, match, req, expected) => {
    expect(routes(match, req)).toBe(expected);
  });
});

describe('query parameter and method matches', () => {
  const rows: readonly [string, Match, Partial<HttpRequestView>, boolean][] = [
    ['exact', { queryParams: [{ name: 'v', value: exact('2') }] }, { path: '/?v=2' }, true],
    [
      'the first occurrence counts',
      { queryParams: [{ name: 'v', value: exact('2') }] },
      { path: '/?v=1&v=2' },
      false,
    ],
    [
      'names are case-sensitive',
      { queryParams: [{ name: 'v', value: exact('2') }] },
      { path: '/?V=2' },
      false,
    ],
    [
      'absent parameter',
      { queryParams: [{ name: 'v', value: exact('2') }] },
      { path: '/?w=2' },
      false,
    ],
    [
      'regex',
      { queryParams: [{ name: 'v', value: { kind: { case: 'regex', value: '[0-9]+' } } }] },
      { path: '/?a&v=42' },
      true,
    ],
    ['method exact', { method: exact('POST') }, { method: 'POST' }, true],
    ['method mismatch', { method: exact('POST') }, { method: 'GET' }, false],
    [
      'path and method must both hold',
      { path: { kind: { case: 'exact', value: '/a' } }, method: exact('GET') },
      { path: '/b' },
      false,
    ],
  ];
  it.each(rows)('%s', (_name, match, req, expected) => {
    expect(routes(match, req)).toBe(expected);
  });

  it('reads parameters without decoding them', () => {
    expect(queryParam('a=%20&b', 'a')).toBe('%20');
    expect(queryParam('a=%20&b', 'b')).toBe('');
    expect(queryParam('', 'a')).toBeUndefined();
  });
});

describe('route order', () => {
  it('the first route with a matching RouteMatch wins; its matches are ORed', () => {
    const l = compiled({
      httpRoutes: [
        {
          name: 'first',
          matches: [
            { path: { kind: { case: 'exact', value: '/x' } } },
            { headers: [{ name: 'x-a', value: exact('1') }] },
          ],
          action: forwardTo('one'),
        },
        { name: 'second', action: forwardTo('two') },
      ],
    });
    expect(planRequest(l, request({ path: '/x' }))).toMatchObject({ route: 'first' });
    expect(planRequest(l, request({ headers: { 'x-a': '1' } }))).toMatchObject({ route: 'first' });
    expect(planRequest(l, request({ path: '/y' }))).toMatchObject({ route: 'second' });
  });

  it('answers 404 when routes exist and none matches', () => {
    const l = compiled({
      httpRoutes: [
        {
          name: 'r',
          matches: [{ path: { kind: { case: 'exact', value: '/x' } } }],
          action: forwardTo('a'),
        },
      ],
    });
    expect(planRequest(l, request({ path: '/y' }))).toEqual({
      kind: 'respond',
      status: 404,
      headers: {},
      body: '',
      reason: 'no-route',
    });
  });
});
