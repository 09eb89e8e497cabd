// planRequest: authorization, route selection, faults, then the action —
// forward (backend pick, modifiers, rewrite, timeouts, retries, mirrors),
// redirect, direct response — and the local answers (403, 404, 500, 400).

import type { MessageInitShape } from '@bufbuild/protobuf';
import { waypoint } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { planRequest } from './plan-request.js';
import {
  backend,
  compiled,
  forwardTo,
  request,
  sequence,
  type ListenerInit,
  type RouteInit,
} from './test-fixtures.js';
import type { RequestPlan } from './types.js';

const exact = (value: string) => ({ kind: { case: 'exact' as const, value } });
const one = (init: RouteInit): ListenerInit => ({ httpRoutes: [{ name: 'r', ...init }] });
type ForwardInit = MessageInitShape<typeof waypoint.ForwardSchema>;

function forwardPlan(plan: RequestPlan): Extract<RequestPlan, { kind: 'forward' }> {
  if (plan.kind !== 'forward')
    throw new Error(`expected a forward plan, got ${JSON.stringify(plan)}`);
  return plan;
}

describe('the common path', () => {
  it('forwards to the listener’s own service port when nothing routes it', () => {
    const plan = planRequest(
      compiled(),
      request({ path: '/reviews/1?x=1', headers: { host: 'reviews:9080', 'x-a': '1' } }),
    );
    expect(plan).toEqual({
      kind: 'forward',
      backend: {
        $typeName: 'ambient_ts.waypoint.v1.Backend',
        namespace: 'bookinfo',
        hostname: 'reviews.bookinfo.svc.cluster.local',
        port: 9080,
      },
      method: 'GET',
      path: '/reviews/1?x=1',
      authority: 'reviews:9080',
      headers: { 'x-a': '1' },
      responseModifiers: [],
      mirrors: [],
      audited: [],
    });
  });

  it('forwards the normalized path', () => {
    expect(forwardPlan(planRequest(compiled(), request({ path: '/a/./b/../c%7E?q' }))).path).toBe(
      '/a/c~?q',
    );
  });

  it('answers 400 for a path it cannot read safely', () => {
    expect(planRequest(compiled(), request({ path: '/a%00b' }))).toMatchObject({
      kind: 'respond',
      status: 400,
      reason: 'bad-request',
    });
  });
});

describe('authorization comes first', () => {
  const denyAdmin: ListenerInit['policies'] = [
    {
      name: 'deny-admin',
      namespace: 'bookinfo',
      action: waypoint.Action.DENY,
      rules: [{ to: [{ paths: [{ kind: { case: 'prefix', value: '/admin' } }] }] }],
    },
    { name: 'audit-all', namespace: 'bookinfo', action: waypoint.Action.AUDIT, rules: [{}] },
    {
      name: 'dry',
      namespace: 'bookinfo',
      action: waypoint.Action.DENY,
      dryRun: true,
      rules: [{ to: [{ methods: [exact('POST')] }] }],
    },
  ];

  it('a DENY answers 403 `RBAC: access denied` before any route, naming the policy and the audits', () => {
    const l = compiled({
      policies: denyAdmin,
      httpRoutes: [{ name: 'r', action: { case: 'directResponse', value: { status: 200 } } }],
    });
    expect(planRequest(l, request({ path: '/admin/x' }))).toEqual({
      kind: 'deny',
      status: 403,
      body: 'RBAC: access denied',
      policy: 'bookinfo/deny-admin',
      audited: ['bookinfo/audit-all'],
      // Dry-run evaluation includes the enforced policies, so the same DENY decides.
      dryRun: { allowed: false, policy: 'bookinfo/deny-admin' },
    });
  });

  it('an allowed request carries the audits and what the dry-run policy would have done', () => {
    const plan = forwardPlan(
      planRequest(compiled({ policies: denyAdmin }), request({ method: 'POST' })),
    );
    expect(plan.audited).toEqual(['bookinfo/audit-all']);
    expect(plan.dryRun).toEqual({ allowed: false, policy: 'bookinfo/dry' });
  });

  it('an ALLOW that does not match denies without naming a policy', () => {
    const allow: ListenerInit['policies'] = [
      {
        name: 'a',
        namespace: 'bookinfo',
        action: waypoint.Action.ALLOW,
        rules: [{ from: [{ namespaces: [exact('other')] }] }],
      },
    ];
    expect(planRequest(compiled({ policies: allow }), request())).toEqual({
      kind: 'deny',
      status: 403,
      body: 'RBAC: access denied',
      audited: [],
    });
  });

  it('a peer without an Istio identity matches no principal rule', () => {
    const allow: ListenerInit['policies'] = [
      {
        name: 'a',
        namespace: 'bookinfo',
        action: waypoint.Action.ALLOW,
        rules: [{ from: [{ principals: [{ kind: { case: 'presence', value: {} } }] }] }],
      },
    ];
    const l = compiled({ policies: allow });
    expect(planRequest(l, request()).kind).toBe('forward');
    expect(planRequest(l, request({ peer: { ip: '10.0.0.9' } })).kind).toBe('deny');
    expect(
      planRequest(l, request({ peer: { identity: 'spiffe://cluster.local/x', ip: '10.0.0.9' } }))
        .kind,
    ).toBe('deny');
  });

  it('an unreadable peer address fails closed', () => {
    expect(planRequest(compiled(), request({ peer: { ip: 'not-an-ip' } })).kind).toBe('deny');
  });
});

describe('weighted backends', () => {
  const weighted = (value: ForwardInit): ListenerInit =>
    one({ action: { case: 'forward', value } });
  const ab: ListenerInit = one({
    action: {
      case: 'forward',
      value: {
        backends: [
          { backend: backend('a'), weight: 1 },
          { backend: backend('b'), weight: 3 },
        ],
      },
    },
  });

  it.each([
    [0, 'a'],
    [0.2499, 'a'],
    [0.25, 'b'],
    [0.9999, 'b'],
  ])('random() = %f picks %s', (r, name) => {
    expect(forwardPlan(planRequest(compiled(ab), request(), sequence(r))).backend.hostname).toBe(
      `${name}.bookinfo.svc.cluster.local`,
    );
  });

  it('never picks a zero weight', () => {
    const l = compiled(
      one({
        action: {
          case: 'forward',
          value: {
            backends: [
              { backend: backend('a'), weight: 0 },
              { backend: backend('b'), weight: 1 },
            ],
          },
        },
      }),
    );
    expect(forwardPlan(planRequest(l, request(), sequence(0))).backend.hostname).toMatch(/^b\./);
  });

  it.each<[string, ForwardInit]>([
    ['an empty list', { backends: [] }],
    ['only zero weights', { backends: [{ backend: backend('a'), weight: 0 }] }],
    ['an unresolved backend (no backend set)', { backends: [{ weight: 1 }] }],
  ])('answers 500 for %s', (_name, value) => {
    expect(planRequest(compiled(weighted(value)), request(), sequence(0))).toEqual({
      kind: 'respond',
      status: 500,
      headers: {},
      body: '',
      route: 'r',
      reason: 'no-backend',
    });
  });

  it('an unresolved backend keeps only its own share: the others still forward', () => {
    const l = compiled(
      one({
        action: {
          case: 'forward',
          value: { backends: [{ weight: 1 }, { backend: backend('b'), weight: 1 }] },
        },
      }),
    );
    expect(planRequest(l, request(), sequence(0.4)).kind).toBe('respond');
    expect(planRequest(l, request(), sequence(0.6)).kind).toBe('forward');
  });
});

describe('header modifiers', () => {
  const l = compiled(
    one({
      requestHeaders: {
        set: [{ name: 'x-set', value: 'route' }],
        add: [{ name: 'x-add', value: 'route' }],
        remove: ['x-drop'],
      },
      responseHeaders: { set: [{ name: 'x-resp', value: 'route' }] },
      action: {
        case: 'forward',
        value: {
          backends: [
            {
              backend: backend('a'),
              weight: 1,
              requestHeaders: {
                set: [{ name: 'x-set', value: 'backend' }],
                add: [{ name: 'x-add', value: 'backend' }],
              },
              responseHeaders: { set: [{ name: 'x-resp', value: 'backend' }] },
            },
          ],
        },
      },
    }),
  );

  it('applies the route’s, then the backend’s to the request; set replaces, add appends, remove drops', () => {
    const plan = forwardPlan(
      planRequest(
        l,
        request({
          headers: { 'x-set': 'client', 'x-add': 'client', 'x-drop': '1', 'x-keep': ['1', '2'] },
        }),
      ),
    );
    expect(plan.headers).toEqual({
      'x-set': 'backend',
      'x-add': ['client', 'route', 'backend'],
      'x-keep': ['1', '2'],
    });
  });

  it('lists the backend’s response modifiers before the route’s', () => {
    const plan = forwardPlan(planRequest(l, request()));
    expect(plan.responseModifiers.map((m) => m.set[0]?.value)).toEqual(['backend', 'route']);
  });
});

describe('rewrite', () => {
  const prefixRoute = (value: string, rewrite: RouteInit['rewrite']): ListenerInit =>
    one({
      matches: [{ path: { kind: { case: 'pathPrefix', value } } }],
      action: forwardTo('a'),
      rewrite,
    });

  it('replace_full_path keeps the query', () => {
    const l = compiled(prefixRoute('/foo', { path: { case: 'replaceFullPath', value: '/bar' } }));
    expect(forwardPlan(planRequest(l, request({ path: '/foo/x?q=1' }))).path).toBe('/bar?q=1');
  });

  it('replace_prefix_match follows the segment rules of the matched path_prefix', () => {
    const l = compiled(prefixRoute('/foo/', { path: { case: 'replacePrefixMatch', value: '/' } }));
    expect(forwardPlan(planRequest(l, request({ path: '/foo/bar?q' }))).path).toBe('/bar?q');
    expect(forwardPlan(planRequest(l, request({ path: '/foo' }))).path).toBe('/');
  });

  it('replaces the prefix of the RouteMatch that matched', () => {
    const l = compiled(
      one({
        matches: [
          { path: { kind: { case: 'prefix', value: '/v1' } } },
          { path: { kind: { case: 'pathPrefix', value: '/old' } } },
        ],
        action: forwardTo('a'),
        rewrite: { path: { case: 'replacePrefixMatch', value: '/new' } },
      }),
    );
    expect(forwardPlan(planRequest(l, request({ path: '/v1x' }))).path).toBe('/newx');
    expect(forwardPlan(planRequest(l, request({ path: '/old/y' }))).path).toBe('/new/y');
  });

  it('hostname replaces the authority; empty keeps it', () => {
    const l = compiled(one({ action: forwardTo('a'), rewrite: { hostname: 'ratings.internal' } }));
    expect(forwardPlan(planRequest(l, request())).authority).toBe('ratings.internal');
    const keep = compiled(
      one({ action: forwardTo('a'), rewrite: { path: { case: 'replaceFullPath', value: '/' } } }),
    );
    expect(forwardPlan(planRequest(keep, request())).authority).toBe('reviews:9080');
  });
});

describe('redirect and direct response', () => {
  it('a redirect answers its status with Location (query kept) and the route’s response headers', () => {
    const l = compiled(
      one({
        matches: [{ path: { kind: { case: 'pathPrefix', value: '/old' } } }],
        action: {
          case: 'redirect',
          value: {
            statusCode: 308,
            scheme: 'https',
            path: { case: 'replacePrefixMatch', value: '/new' },
          },
        },
        responseHeaders: { add: [{ name: 'x-r', value: '1' }] },
      }),
    );
    expect(planRequest(l, request({ path: '/old/page?id=7' }))).toEqual({
      kind: 'respond',
      status: 308,
      headers: { location: 'https://reviews/new/page?id=7', 'x-r': '1' },
      body: '',
      route: 'r',
      reason: 'redirect',
    });
  });

  it('a redirect uses the request scheme when none is set', () => {
    const l = compiled(
      one({ action: { case: 'redirect', value: { statusCode: 301, hostname: 'b.example' } } }),
    );
    expect(planRequest(l, request({ scheme: 'https' }))).toMatchObject({
      headers: { location: 'https://b.example/' },
    });
  });

  it('a direct response answers its status and body as text/plain', () => {
    const l = compiled(
      one({ action: { case: 'directResponse', value: { status: 418, body: 'teapot' } } }),
    );
    expect(planRequest(l, request())).toEqual({
      kind: 'respond',
      status: 418,
      headers: { 'content-type': 'text/plain' },
      body: 'teapot',
      route: 'r',
      reason: 'direct-response',
    });
  });
});

describe('faults', () => {
  const faulty = (fault: RouteInit['fault'], action: RouteInit['action'] = forwardTo('a')) =>
    compiled(one({ action, fault }));
  const seconds = (s: number) => ({ seconds: BigInt(s), nanos: 0 });

  it('an abort at 100 % answers its status with `fault filter abort`, skipping the backend', () => {
    expect(planRequest(faulty({ abort: { httpStatus: 503 } }), request())).toMatchObject({
      kind: 'respond',
      status: 503,
      body: 'fault filter abort',
      reason: 'fault-abort',
    });
  });

  it('percentages are applied with random() in [0, 1)', () => {
    const l = faulty({ abort: { httpStatus: 503, percentage: { value: 25 } } });
    expect(planRequest(l, request(), sequence(0.2499)).kind).toBe('respond');
    expect(planRequest(l, request(), sequence(0.25)).kind).toBe('forward');
    expect(
      planRequest(
        faulty({ abort: { httpStatus: 503, percentage: { value: 0 } } }),
        request(),
        sequence(0),
      ).kind,
    ).toBe('forward');
  });

  it('a delay is reported in delayMs; 0.5 ms rounds up, never to "no delay"', () => {
    expect(
      forwardPlan(planRequest(faulty({ delay: { fixedDelay: seconds(2) } }), request())).delayMs,
    ).toBe(2000);
    expect(
      forwardPlan(
        planRequest(faulty({ delay: { fixedDelay: { seconds: 0n, nanos: 500_000 } } }), request()),
      ).delayMs,
    ).toBe(1);
  });

  it('delay and abort are decided independently (delay first); a delayed abort carries the delay', () => {
    const both = faulty({
      delay: { fixedDelay: seconds(1), percentage: { value: 50 } },
      abort: { httpStatus: 500, percentage: { value: 50 } },
    });
    expect(planRequest(both, request(), sequence(0.1, 0.1))).toMatchObject({
      kind: 'respond',
      status: 500,
      delayMs: 1000,
    });
    expect(planRequest(both, request(), sequence(0.9, 0.1))).not.toHaveProperty('delayMs');
    expect(planRequest(both, request(), sequence(0.1, 0.9, 0))).toMatchObject({
      kind: 'forward',
      delayMs: 1000,
    });
  });

  it('faults belong to the route: another route’s requests are untouched', () => {
    const l = compiled({
      httpRoutes: [
        {
          name: 'faulty',
          matches: [{ headers: [{ name: 'end-user', value: exact('jason') }] }],
          action: forwardTo('a'),
          fault: { abort: { httpStatus: 500 } },
        },
        { name: 'clean', action: forwardTo('a') },
      ],
    });
    expect(planRequest(l, request()).kind).toBe('forward');
    expect(planRequest(l, request({ headers: { 'end-user': 'jason' } })).kind).toBe('respond');
  });

  it('run after authorization: a denied request is not aborted', () => {
    const l = compiled({
      httpRoutes: [{ name: 'r', action: forwardTo('a'), fault: { abort: { httpStatus: 500 } } }],
      policies: [{ name: 'd', namespace: 'bookinfo', action: waypoint.Action.DENY, rules: [{}] }],
    });
    expect(planRequest(l, request()).kind).toBe('deny');
  });
});

describe('timeouts, retries, mirrors', () => {
  it('converts timeouts to ms; zero means none', () => {
    const l = compiled(
      one({
        action: forwardTo('a'),
        timeouts: {
          request: { seconds: 3n, nanos: 250_000_000 },
          perTry: { seconds: 0n, nanos: 0 },
        },
      }),
    );
    const plan = forwardPlan(planRequest(l, request()));
    expect(plan.requestTimeoutMs).toBe(3250);
    expect(plan).not.toHaveProperty('perTryTimeoutMs');
  });

  it('carries a retry plan; 0 attempts disables retrying', () => {
    const withRetry = compiled(
      one({ action: forwardTo('a'), retry: { attempts: 3, retryOn: ['5xx'] } }),
    );
    expect(forwardPlan(planRequest(withRetry, request())).retry?.attempts).toBe(3);
    const none = compiled(
      one({ action: forwardTo('a'), retry: { attempts: 0, retryOn: ['5xx'] } }),
    );
    expect(forwardPlan(planRequest(none, request()))).not.toHaveProperty('retry');
  });

  it('chooses mirrors by their percentage, after the backend pick', () => {
    const l = compiled(
      one({
        action: forwardTo('a'),
        mirrors: [
          { backend: backend('m1') },
          { backend: backend('m2'), percentage: { value: 30 } },
        ],
      }),
    );
    const names = (r: number[]) =>
      forwardPlan(planRequest(l, request(), sequence(...r))).mirrors.map(
        (b) => b.hostname.split('.')[0],
      );
    expect(names([0, 0.99, 0.29])).toEqual(['m1', 'm2']);
    expect(names([0, 0.99, 0.3])).toEqual(['m1']);
  });
});
