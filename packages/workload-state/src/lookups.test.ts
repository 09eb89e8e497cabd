import { describe, expect, it } from 'vitest';
import { requireIp } from './ip.js';
import { serviceKey, workloadIdentityUri } from './model.js';
import { targetPort } from './target-port.js';
import { endpointOf, storeWith, testService, testWorkload } from './testing/fixtures.js';

// The lookups a waypoint makes for a request: the service by name or VIP, its
// endpoints with their workloads and identities, and the port to dial.
describe('service and workload lookups', () => {
  const reviews = testService('reviews', '10.96.0.10', { 9080: 0, 9443: 8443 });
  const v1 = testWorkload('reviews-v1', '10.0.0.11', {
    serviceAccount: 'bookinfo-reviews',
    node: 'node2',
    services: endpointOf(reviews, { 9080: 9081 }),
  });
  const v2 = testWorkload('reviews-v2', '10.0.0.12', {
    protocol: 'TCP',
    services: endpointOf(reviews, {}),
  });
  const { state } = storeWith([v1, v2], [reviews]);

  it('finds a service by namespace/hostname and by VIP on its network only', () => {
    expect(state.serviceByKey('default/reviews.default.svc.cluster.local')).toBe(reviews);
    expect(state.servicesByVip({ network: '', address: requireIp('10.96.0.10', 't') })).toEqual([
      reviews,
    ]);
    expect(
      state.servicesByVip({ network: 'other', address: requireIp('10.96.0.10', 't') }),
    ).toEqual([]);
  });

  it("lists a service's endpoints with their workloads, identities, nodes and protocols", () => {
    const eps = state.endpoints(serviceKey(reviews));
    expect(
      eps.map((e) => [
        e.workload.uid,
        e.workload.addresses,
        workloadIdentityUri(e.workload),
        e.workload.node,
        e.workload.protocol,
      ]),
    ).toEqual([
      [
        'cluster1//v1/Pod/default/reviews-v1',
        ['10.0.0.11'],
        'spiffe://cluster.local/ns/default/sa/bookinfo-reviews',
        'node2',
        'HBONE',
      ],
      [
        'cluster1//v1/Pod/default/reviews-v2',
        ['10.0.0.12'],
        'spiffe://cluster.local/ns/default/sa/reviews-v2',
        'node1',
        'TCP',
      ],
    ]);
  });

  it("resolves the target port from the endpoint's own map first, then the service's, never 0", () => {
    const [e1, e2] = state.endpoints(serviceKey(reviews));
    expect(targetPort(reviews, e1!, 9080)).toBe(9081);
    expect(targetPort(reviews, e2!, 9080)).toBeUndefined();
    expect(targetPort(reviews, e2!, 9443)).toBe(8443);
    expect(targetPort(reviews, e1!, 1234)).toBeUndefined();
  });

  it('finds a workload by uid and by IP on its network', () => {
    expect(state.workloadByUid(v2.uid)).toBe(v2);
    expect(state.workloadByAddress({ network: '', address: requireIp('10.0.0.11', 't') })).toBe(v1);
    expect(
      state.workloadByAddress({ network: 'other', address: requireIp('10.0.0.11', 't') }),
    ).toBeUndefined();
    expect(state.servicesOfWorkload(v1.uid)).toEqual([reviews]);
  });
});
