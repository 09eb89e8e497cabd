// Fuzz: the waypoint's request classification (authorization on the
// normalized path, then routing) for any request head a client can send
// through a tunnel: method, request target built from the pieces path
// confusion attacks use (%2e, %2f, %5c, `\`, `..`, `//`, `;`, `#`, `?`,
// %00, case), authority, and multi-valued headers. With a listener that
// DENYs `/admin` prefixes and the header `x-user: evil`, and ALLOWs only
// `/public/` prefixes:
//  - planning never throws;
//  - a forwarded request's path is already normalized (what authorization saw
//    is what the backend gets) and lies under /public/, never under /admin;
//  - a request carrying `evil` as any one of several x-user values is denied.
import { normalizeRequestPath } from '@ambient-ts/policy';
import { waypoint } from '@ambient-ts/xds-types';
import { fuzz, fuzzTimeoutMs } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRequest } from './plan-request.js';
import { compiled, forwardTo, request, type ListenerInit } from './test-fixtures.js';

const prefix = (value: string) => ({ kind: { case: 'prefix' as const, value } });
const policies: ListenerInit['policies'] = [
  {
    name: 'deny-admin',
    namespace: 'bookinfo',
    action: waypoint.Action.DENY,
    rules: [{ to: [{ paths: [prefix('/admin')] }] }],
  },
  {
    name: 'deny-evil',
    namespace: 'bookinfo',
    action: waypoint.Action.DENY,
    rules: [
      {
        when: [
          { key: 'request.headers[x-user]', values: [{ kind: { case: 'exact', value: 'evil' } }] },
        ],
      },
    ],
  },
  {
    name: 'allow-public',
    namespace: 'bookinfo',
    action: waypoint.Action.ALLOW,
    rules: [{ to: [{ paths: [prefix('/public/')] }] }],
  },
];
const withRoutes = compiled({
  policies,
  httpRoutes: [
    { name: 'public', matches: [{ path: prefix('/public') }], action: forwardTo('reviews') },
  ],
});
const noRoutes = compiled({ policies });

const piece = fc.constantFrom(
  '/',
  '//',
  'admin',
  'Admin',
  'ADMIN',
  'public',
  'public/',
  '.',
  '..',
  '%2e',
  '%2E',
  '%2e%2e',
  '%2f',
  '%2F',
  '%5c',
  '\\',
  ';',
  ';x=1',
  '#',
  '#/admin',
  '?',
  '?a=/admin',
  '%00',
  '%25',
  '%252e',
  '%61dmin',
  'x',
  ' ',
  '\t',
  '~',
);
const pieces = fc.array(piece, { minLength: 1, maxLength: 8 }).map((p) => p.join(''));
// Half start as an allowed request would, so the allowed side is explored too.
const target = fc.oneof(
  pieces,
  pieces.map((p) => `/public/${p}`),
);
const xUser = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('ok', 'evil', 'Evil', ' evil', 'evil '),
  fc.array(fc.constantFrom('ok', 'evil', 'alice', ''), { minLength: 1, maxLength: 3 }),
);

let forwarded = 0;

describe('waypoint request classification (fuzz)', () => {
  it(
    'forwards only normalized paths under /public/, and denies any x-user value of evil',
    () =>
      fuzz(
        'waypoint: HTTP request head → plan',
        fc.property(
          fc.constantFrom('GET', 'POST', 'get', 'CONNECT', 'OPTIONS', 'X'),
          target,
          fc.constantFrom('reviews:9080', 'REVIEWS:9080', 'reviews', ''),
          xUser,
          fc.boolean(),
          (method, path, authority, user, routed) => {
            const headers: Record<string, string | string[]> =
              user === undefined ? {} : { 'x-user': user };
            const plan = planRequest(
              routed ? withRoutes : noRoutes,
              request({ method, path, authority, headers }),
            );
            const values = user === undefined ? [] : typeof user === 'string' ? [user] : user;
            if (values.includes('evil')) expect(plan.kind).not.toBe('forward');
            if (plan.kind !== 'forward') return;
            forwarded++;
            const sent = normalizeRequestPath(plan.path, 'BASE');
            expect(sent.ok).toBe(true);
            if (!sent.ok) return;
            expect(`${sent.path}${sent.query === '' ? '' : `?${sent.query}`}`).toBe(plan.path);
            expect(sent.path.startsWith('/public/')).toBe(true);
          },
        ),
        // A request the policy allows runs first, whatever the time budget.
        { examples: [['GET', '/public/x', 'reviews:9080', 'ok', false]] },
      ).then(() => {
        // Meaningful only if some requests made it through.
        expect(forwarded).toBeGreaterThan(0);
      }),
    fuzzTimeoutMs(),
  );
});
