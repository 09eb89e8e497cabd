// Listeners exactly as istiod's compiler (apps/istiod/src/l7) emits them,
// built by hand here (module boundaries keep the control plane out of the
// data plane), compiled and executed.

import { create } from '@bufbuild/protobuf';
import { waypoint } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { compileListener } from './compile-listener.js';
import { planRequest } from './plan-request.js';
import { request, sequence } from './test-fixtures.js';

const S = (seconds: number) => ({ seconds: BigInt(seconds), nanos: 0 });
const svc = (name: string) => `${name}.bookinfo.svc.cluster.local`;

/**
 * HTTPRoute bookinfo/reviews (parentRef Service reviews, port 9080):
 *   rules: [{ backendRefs: [{name: reviews-v1, port: 9080, weight: 90},
 *                           {name: reviews-v2, port: 9080, weight: 10}],
 *             timeouts: {request: 10s}, retry: {attempts: 2, codes: [503]} }]
 * plus AuthorizationPolicy bookinfo/reviews-viewer (targetRefs Service reviews):
 *   ALLOW from principals cluster.local/ns/bookinfo/sa/productpage, to methods GET.
 */
const httpRouteListener = create(waypoint.WaypointListenerSchema, {
  serviceNamespace: 'bookinfo',
  serviceHostname: svc('reviews'),
  port: 9080,
  protocol: waypoint.Protocol.HTTP,
  httpRoutes: [
    {
      name: 'HTTPRoute/bookinfo/reviews/rule/0',
      matches: [
        { path: { kind: { case: 'pathPrefix', value: '/' } }, headers: [], queryParams: [] },
      ],
      action: {
        case: 'forward',
        value: {
          backends: [
            {
              backend: { namespace: 'bookinfo', hostname: svc('reviews-v1'), port: 9080 },
              weight: 90,
            },
            {
              backend: { namespace: 'bookinfo', hostname: svc('reviews-v2'), port: 9080 },
              weight: 10,
            },
          ],
        },
      },
      mirrors: [],
      timeouts: { request: S(10) },
      retry: { attempts: 2, retryOn: ['retriable-status-codes'], retriableStatusCodes: [503] },
    },
  ],
  policies: [
    {
      name: 'reviews-viewer',
      namespace: 'bookinfo',
      action: waypoint.Action.ALLOW,
      rules: [
        {
          from: [
            {
              principals: [
                { kind: { case: 'exact', value: 'cluster.local/ns/bookinfo/sa/productpage' } },
              ],
            },
          ],
          to: [{ methods: [{ kind: { case: 'exact', value: 'GET' } }] }],
          when: [],
        },
      ],
    },
  ],
});

/**
 * VirtualService bookinfo/ratings (hosts [ratings]):
 *   http[0]: match headers end-user exact jason; fault abort 500 at 100 %; route ratings subset v1
 *   http[1]: fault delay 7s at 10 %; route ratings subset v1
 * with DestinationRule subset v1 {version: v1} resolved to one workload uid.
 */
const v1 = {
  namespace: 'bookinfo',
  hostname: svc('ratings'),
  port: 9080,
  subset: {
    name: 'v1',
    labels: { version: 'v1' },
    workloadUids: ['Kubernetes//Pod/bookinfo/ratings-v1-abc'],
  },
};
const virtualServiceListener = create(waypoint.WaypointListenerSchema, {
  serviceNamespace: 'bookinfo',
  serviceHostname: svc('ratings'),
  port: 9080,
  protocol: waypoint.Protocol.HTTP,
  httpRoutes: [
    {
      name: 'VirtualService/bookinfo/ratings/http/0',
      matches: [
        {
          headers: [
            {
              name: 'end-user',
              value: { kind: { case: 'exact', value: 'jason' }, ignoreCase: false },
            },
          ],
          queryParams: [],
        },
      ],
      action: { case: 'forward', value: { backends: [{ backend: v1, weight: 100 }] } },
      mirrors: [],
      fault: { abort: { httpStatus: 500, percentage: { value: 100 } } },
    },
    {
      name: 'VirtualService/bookinfo/ratings/http/1',
      matches: [],
      action: { case: 'forward', value: { backends: [{ backend: v1, weight: 100 }] } },
      mirrors: [],
      fault: { delay: { fixedDelay: S(7), percentage: { value: 10 } } },
    },
  ],
});

describe('an HTTPRoute with two weighted backends, as istiod emits it', () => {
  const l = compileListener('bookinfo/reviews.bookinfo.svc.cluster.local:9080', httpRouteListener);
  const productpage = request({ authority: 'reviews:9080' });

  it('splits 90/10 by weight', () => {
    expect(planRequest(l, productpage, sequence(0.89))).toMatchObject({
      backend: { hostname: svc('reviews-v1') },
    });
    expect(planRequest(l, productpage, sequence(0.9))).toMatchObject({
      backend: { hostname: svc('reviews-v2') },
    });
  });

  it('carries the timeout and the retry on 503 only', () => {
    const plan = planRequest(l, productpage, sequence(0));
    if (plan.kind !== 'forward') throw new Error(`expected forward, got ${plan.kind}`);
    expect(plan).toMatchObject({
      route: 'HTTPRoute/bookinfo/reviews/rule/0',
      requestTimeoutMs: 10_000,
    });
    expect(plan.perTryTimeoutMs).toBeUndefined();
    expect(plan.retry?.attempts).toBe(2);
    expect(plan.retry?.shouldRetry({ status: 503 })).toBe(true);
    expect(plan.retry?.shouldRetry({ status: 500 })).toBe(false);
    expect(plan.retry?.shouldRetry({ error: 'reset' })).toBe(false);
  });

  it('enforces the ALLOW policy before routing', () => {
    const other = request({
      peer: { identity: 'spiffe://cluster.local/ns/bookinfo/sa/ratings', ip: '10.0.0.6' },
    });
    expect(planRequest(l, other)).toMatchObject({
      kind: 'deny',
      status: 403,
      body: 'RBAC: access denied',
    });
    expect(planRequest(l, request({ method: 'POST' }))).toMatchObject({ kind: 'deny' });
  });
});

describe('a VirtualService with fault injection, as istiod emits it', () => {
  const l = compileListener(
    'bookinfo/ratings.bookinfo.svc.cluster.local:9080',
    virtualServiceListener,
  );

  it('aborts jason’s requests with 500 and the fault body, without a backend', () => {
    expect(planRequest(l, request({ headers: { 'end-user': 'jason' } }), sequence(0.99))).toEqual({
      kind: 'respond',
      status: 500,
      headers: { 'content-type': 'text/plain' },
      body: 'fault filter abort',
      route: 'VirtualService/bookinfo/ratings/http/0',
      reason: 'fault-abort',
    });
  });

  it('delays 10 % of the others by 7 s and forwards them to subset v1', () => {
    const delayed = planRequest(l, request(), sequence(0.05));
    expect(delayed).toMatchObject({
      kind: 'forward',
      delayMs: 7000,
      backend: { subset: { name: 'v1' } },
    });
    const plain = planRequest(l, request(), sequence(0.1));
    expect(plain).toMatchObject({
      kind: 'forward',
      route: 'VirtualService/bookinfo/ratings/http/1',
    });
    expect(plain).not.toHaveProperty('delayMs');
  });
});
