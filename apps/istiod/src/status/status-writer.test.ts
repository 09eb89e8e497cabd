import { describe, expect, it } from 'vitest';
import type { DesiredStatus } from '../ambient/status-types.js';
import { ObjectStore } from '../kube/object-store.js';
import type { KubeObject } from '../kube/objects.js';
import { FakeKubeApi } from '../kube/testing/fake-kube-api.js';
import { silentLogger } from '../runtime/logger.js';
import { mergeConditions, StatusWriter } from './status-writer.js';

const bound = (message: string): DesiredStatus => ({
  target: { kind: 'Service', namespace: 'default', name: 'reviews' },
  generation: 3,
  conditions: new Map([
    [
      'istio.io/WaypointBound',
      { type: 'istio.io/WaypointBound', status: 'True', reason: 'WaypointAccepted', message },
    ],
  ]),
});

describe('mergeConditions', () => {
  it('keeps other writers’ conditions and the transition time of a condition whose status did not change', () => {
    const merged = mergeConditions(
      [
        {
          type: 'Other',
          status: 'True',
          reason: 'X',
          message: 'theirs',
          lastTransitionTime: '2020-01-01T00:00:00Z',
        },
        {
          type: 'istio.io/WaypointBound',
          status: 'True',
          reason: 'WaypointAccepted',
          message: 'old',
          lastTransitionTime: '2021-01-01T00:00:00Z',
        },
      ],
      bound('new'),
      '2026-01-01T00:00:00Z',
    );
    expect(merged).toEqual([
      {
        type: 'Other',
        status: 'True',
        reason: 'X',
        message: 'theirs',
        lastTransitionTime: '2020-01-01T00:00:00Z',
      },
      {
        type: 'istio.io/WaypointBound',
        status: 'True',
        reason: 'WaypointAccepted',
        message: 'new',
        lastTransitionTime: '2021-01-01T00:00:00Z',
        observedGeneration: 3,
      },
    ]);
  });

  it('removes our condition when the index wants it absent', () => {
    const desired: DesiredStatus = {
      ...bound('x'),
      conditions: new Map([['istio.io/WaypointBound', undefined]]),
    };
    expect(
      mergeConditions(
        [{ type: 'istio.io/WaypointBound', status: 'True' }],
        desired,
        '2026-01-01T00:00:00Z',
      ),
    ).toEqual([]);
  });
});

describe('StatusWriter', () => {
  function setup(existing: KubeObject) {
    const api = new FakeKubeApi();
    const services = new ObjectStore<KubeObject>('Service');
    services.upsert(existing);
    const writer = new StatusWriter({
      api,
      stores: {
        Service: services,
        ServiceEntry: new ObjectStore('ServiceEntry'),
        AuthorizationPolicy: new ObjectStore('AuthorizationPolicy'),
      },
      logger: silentLogger,
      now: () => new Date('2026-02-03T04:05:06.789Z'),
    });
    return { api, writer };
  }

  it('patches the status subresource when the conditions differ', async () => {
    const { api, writer } = setup({
      metadata: { name: 'reviews', namespace: 'default' },
      status: {},
    });
    writer.update([bound('Successfully attached to waypoint default/waypoint')]);
    await writer.whenIdle();
    expect(api.patches).toHaveLength(1);
    expect(api.patches[0]).toMatchObject({
      name: 'reviews',
      namespace: 'default',
      subresource: 'status',
      patchType: 'merge',
    });
    expect(api.patches[0]?.patch).toEqual({
      status: {
        conditions: [
          {
            type: 'istio.io/WaypointBound',
            status: 'True',
            reason: 'WaypointAccepted',
            message: 'Successfully attached to waypoint default/waypoint',
            lastTransitionTime: '2026-02-03T04:05:06Z',
            observedGeneration: 3,
          },
        ],
      },
    });
  });

  it('writes nothing when the object already carries the wanted conditions', async () => {
    const { api, writer } = setup({
      metadata: { name: 'reviews', namespace: 'default' },
      status: {
        conditions: [
          {
            type: 'istio.io/WaypointBound',
            status: 'True',
            reason: 'WaypointAccepted',
            message: 'same',
            observedGeneration: 3,
            lastTransitionTime: '2020-01-01T00:00:00Z',
          },
        ],
      },
    });
    writer.update([bound('same')]);
    await writer.whenIdle();
    expect(api.patches).toEqual([]);
  });
});
