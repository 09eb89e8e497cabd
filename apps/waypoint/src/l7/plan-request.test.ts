import { describe, expect, it } from 'vitest';
import { backend, compiled, forwardTo, request, sequence } from './test-fixtures.js';
import { planRequest } from './plan-request.js';

describe('planRequest: the common path', () => {
  it('forwards to the listener’s own service port when nothing routes it', () => {
    const plan = planRequest(compiled(), request({ path: '/reviews/1?x=1' }));
    expect(plan).toMatchObject({
      kind: 'forward',
      backend: {
        namespace: 'bookinfo',
        hostname: 'reviews.bookinfo.svc.cluster.local',
        port: 9080,
      },
      method: 'GET',
      path: '/reviews/1?x=1',
      authority: 'reviews:9080',
      mirrors: [],
      audited: [],
    });
  });

  it('takes the first matching route', () => {
    const l = compiled({
      httpRoutes: [
        {
          name: 'v2',
          matches: [{ path: { kind: { case: 'pathPrefix', value: '/v2' } } }],
          action: forwardTo('reviews-v2'),
        },
        { name: 'all', action: forwardTo('reviews-v1') },
      ],
    });
    const v2 = planRequest(l, request({ path: '/v2/x' }), sequence(0));
    const other = planRequest(l, request({ path: '/v2x' }), sequence(0));
    expect(v2).toMatchObject({ kind: 'forward', route: 'v2', backend: backend('reviews-v2') });
    expect(other).toMatchObject({ kind: 'forward', route: 'all', backend: backend('reviews-v1') });
  });
});
