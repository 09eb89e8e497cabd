import { describe, expect, it } from 'vitest';
import { requireIp } from '@ambient-ts/workload-state';
import {
  endpointOf,
  storeWith,
  testService,
  testWorkload,
} from '@ambient-ts/workload-state/testing';
import { answerQuery, candidateNames } from './dns-answer.js';

const first = () => 0;

describe('DNS answers from the registry', () => {
  const client = testWorkload('client', '10.0.1.2', { namespace: 'prod' });

  it('expands Kubernetes short names with the client namespace', () => {
    expect(candidateNames('echo', 'prod', 'cluster.local')).toEqual([
      'echo',
      'echo.prod.svc.cluster.local',
    ]);
    expect(candidateNames('echo.other', 'prod', 'cluster.local')).toEqual([
      'echo.other',
      'echo.other.svc.cluster.local',
    ]);
    expect(candidateNames('echo.other.svc', 'prod', 'cluster.local')).toEqual([
      'echo.other.svc',
      'echo.other.svc.cluster.local',
    ]);
    expect(candidateNames('Echo.Prod.svc.cluster.local.', 'prod', 'cluster.local')).toEqual([
      'echo.prod.svc.cluster.local',
    ]);
  });

  it('answers a service VIP of the asked family, preferring the client namespace', () => {
    const mine = testService(
      'echo',
      '10.96.0.1',
      { 80: 80 },
      { namespace: 'prod', hostname: 'echo.shared.example' },
    );
    const theirs = testService(
      'echo',
      '10.96.0.2',
      { 80: 80 },
      { namespace: 'dev', hostname: 'echo.shared.example' },
    );
    const { state } = storeWith([client], [theirs, mine]);
    expect(
      answerQuery(
        state,
        client,
        { name: 'echo.shared.example', type: 'A' },
        'cluster.local',
        first,
      ),
    ).toEqual({
      kind: 'answer',
      name: 'echo.shared.example',
      addresses: ['10.96.0.1'],
    });
    expect(
      answerQuery(
        state,
        client,
        { name: 'echo.shared.example', type: 'AAAA' },
        'cluster.local',
        first,
      ),
    ).toEqual({
      kind: 'answer',
      name: 'echo.shared.example',
      addresses: [],
    });
  });

  it('hides namespace-visibility services from other namespaces and forwards unknown names', () => {
    const hidden = testService(
      'secret',
      '10.96.0.3',
      { 80: 80 },
      { namespace: 'dev', hostname: 'secret.dev.svc.cluster.local', visibility: 'NAMESPACE' },
    );
    const { state } = storeWith([client], [hidden]);
    expect(
      answerQuery(state, client, { name: 'secret.dev', type: 'A' }, 'cluster.local', first),
    ).toEqual({ kind: 'forward' });
    expect(
      answerQuery(state, client, { name: 'example.com', type: 'A' }, 'cluster.local', first),
    ).toEqual({ kind: 'forward' });
  });

  it('answers a headless Kubernetes service with its endpoints', () => {
    const headless = testService(
      'db',
      undefined,
      { 5432: 5432 },
      { namespace: 'prod', hostname: 'db.prod.svc.cluster.local' },
    );
    const a = testWorkload('db-0', '10.0.2.7', {
      namespace: 'prod',
      services: endpointOf(headless),
    });
    const { state } = storeWith([client, a], [headless]);
    expect(
      answerQuery(state, client, { name: 'db', type: 'A' }, 'cluster.local', first),
    ).toMatchObject({
      kind: 'answer',
      addresses: [requireIp('10.0.2.7', 't')],
    });
  });
});
