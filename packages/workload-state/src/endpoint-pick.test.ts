import { describe, expect, it } from 'vitest';
import { pickEndpoint, type LocalityView } from './endpoint-pick.js';
import { endpointOf, storeWith, testService, testWorkload } from './testing/fixtures.js';

describe('pickEndpoint', () => {
  const reviews = testService('reviews', '10.96.0.10', { 9080: 9080 });
  const v1 = testWorkload('reviews-v1', '10.0.0.11', { services: endpointOf(reviews, {}) });
  const v2 = testWorkload('reviews-v2', '10.0.0.12', { services: endpointOf(reviews, {}) });
  const { state } = storeWith([v1, v2], [reviews]);
  const here: LocalityView = {
    network: '',
    node: 'node1',
    clusterId: 'Kubernetes',
    locality: { region: '', zone: '', subzone: '' },
  };

  it('picks among every healthy endpoint, by the injected random number', () => {
    const low = pickEndpoint(state, reviews, here, 9080, 4, () => 0);
    const high = pickEndpoint(state, reviews, here, 9080, 4, () => 0.99);
    expect([low?.workload.name, high?.workload.name]).toEqual(['reviews-v1', 'reviews-v2']);
    expect(low).toMatchObject({ ip: '10.0.0.11', port: 9080 });
  });

  it('keeps only the endpoints `accept` lets through (a subset), and none when it rejects all', () => {
    const onlyV2 = (w: { name: string }): boolean => w.name === 'reviews-v2';
    for (const r of [0, 0.5, 0.99]) {
      expect(pickEndpoint(state, reviews, here, 9080, 4, () => r, onlyV2)?.workload.name).toBe(
        'reviews-v2',
      );
    }
    expect(
      pickEndpoint(
        state,
        reviews,
        here,
        9080,
        4,
        () => 0,
        () => false,
      ),
    ).toBeUndefined();
  });

  it('never picks an endpoint on another network', () => {
    expect(
      pickEndpoint(state, reviews, { ...here, network: 'east' }, 9080, 4, () => 0),
    ).toBeUndefined();
  });
});
