import { describe, expect, it } from 'vitest';
import { requireIp } from '@ambient-ts/workload-state';
import {
  endpointOf,
  storeWith,
  testService,
  testWorkload,
} from '@ambient-ts/workload-state/testing';
import { sequence } from '../testing/sequence.js';
import { planOutbound, type OutboundRoute } from './outbound-route.js';

const client = testWorkload('client', '10.0.1.2');
const dst = (ip: string, port: number) => ({ ip: requireIp(ip, 't'), port });

function hbone(r: OutboundRoute): Extract<OutboundRoute, { kind: 'hbone' }> {
  if (r.kind !== 'hbone') throw new Error(`expected an HBONE route, got ${JSON.stringify(r)}`);
  return r;
}

describe('outbound routing', () => {
  it('refuses loopback destinations on ztunnel ports as a recursive call', () => {
    const { state } = storeWith([client]);
    for (const port of [15001, 15006, 15008]) {
      expect(
        planOutbound({
          state,
          source: client,
          destination: dst('127.0.0.1', port),
          random: Math.random,
        }),
      ).toEqual({
        kind: 'refuse',
        reason: 'attempted recursive call to ourselves',
      });
    }
  });

  it('passes an unknown address straight through', () => {
    const { state } = storeWith([client]);
    expect(
      planOutbound({
        state,
        source: client,
        destination: dst('192.0.2.9', 443),
        random: Math.random,
      }),
    ).toEqual({
      kind: 'passthrough',
      target: dst('192.0.2.9', 443),
    });
  });

  it('sends a pod IP over HBONE to podIP:15008 with the pod as authority and its identity expected', () => {
    const server = testWorkload('server', '10.0.2.2');
    const { state } = storeWith([client, server]);
    const r = hbone(
      planOutbound({
        state,
        source: client,
        destination: dst('10.0.2.2', 8080),
        random: Math.random,
      }),
    );
    expect(r.nextHop).toEqual(dst('10.0.2.2', 15008));
    expect(r.authority).toBe('10.0.2.2:8080');
    expect(r.expectedIdentities).toEqual(['spiffe://cluster.local/ns/default/sa/server']);
    expect(r.viaWaypoint).toBe(false);
  });

  it('sends plain TCP to a mesh workload that does not speak HBONE', () => {
    const legacy = testWorkload('legacy', '10.0.2.3', { protocol: 'TCP' });
    const { state } = storeWith([client, legacy]);
    const r = planOutbound({
      state,
      source: client,
      destination: dst('10.0.2.3', 80),
      random: Math.random,
    });
    expect(r).toMatchObject({ kind: 'tcp', target: dst('10.0.2.3', 80) });
  });

  it('maps a VIP to an endpoint and the service target port, naming the pod (not the VIP) in the authority', () => {
    const svc = testService(
      'echo',
      '10.96.0.1',
      { 80: 8080 },
      { subjectAltNames: ['spiffe://cluster.local/ns/default/sa/extra'] },
    );
    const a = testWorkload('a', '10.0.2.2', { services: endpointOf(svc) });
    const { state } = storeWith([client, a], [svc]);
    const r = hbone(
      planOutbound({
        state,
        source: client,
        destination: dst('10.96.0.1', 80),
        random: Math.random,
      }),
    );
    expect(r.authority).toBe('10.0.2.2:8080');
    expect(r.service?.hostname).toBe('echo.default.svc.cluster.local');
    expect(r.expectedIdentities).toEqual([
      'spiffe://cluster.local/ns/default/sa/a',
      'spiffe://cluster.local/ns/default/sa/extra',
    ]);
  });

  it('resolves a named target port (0) per endpoint, and skips endpoints without it', () => {
    const svc = testService('named', '10.96.0.2', { 80: 0 });
    const a = testWorkload('a', '10.0.2.2', { services: endpointOf(svc, { 80: 9090 }) });
    const b = testWorkload('b', '10.0.2.3', { services: endpointOf(svc) });
    const { state } = storeWith([client, a, b], [svc]);
    for (const x of [0, 0.5, 0.99]) {
      const r = hbone(
        planOutbound({ state, source: client, destination: dst('10.96.0.2', 80), random: () => x }),
      );
      expect(r.authority).toBe('10.0.2.2:9090');
    }
  });

  it('skips unhealthy endpoints unless the service allows all, and says no healthy upstream when none is left', () => {
    const svc = testService('echo', '10.96.0.1', { 80: 8080 });
    const sick = testWorkload('sick', '10.0.2.9', {
      services: endpointOf(svc),
      status: 'Unhealthy',
    });
    const { state } = storeWith([client, sick], [svc]);
    expect(
      planOutbound({
        state,
        source: client,
        destination: dst('10.96.0.1', 80),
        random: Math.random,
      }),
    ).toEqual({
      kind: 'refuse',
      reason: 'no healthy upstream: 10.96.0.1:80',
    });
    const all = testService(
      'echo',
      '10.96.0.1',
      { 80: 8080 },
      {
        loadBalancing: { routingPreference: [], mode: 'STANDARD', healthPolicy: 'ALLOW_ALL' },
      },
    );
    const s2 = storeWith([client, sick], [all]);
    expect(
      planOutbound({
        state: s2.state,
        source: client,
        destination: dst('10.96.0.1', 80),
        random: Math.random,
      }).kind,
    ).toBe('hbone');
  });

  it('passes a PASSTHROUGH service without endpoints through to the original destination', () => {
    const svc = testService(
      'pt',
      '10.96.0.3',
      { 80: 80 },
      {
        loadBalancing: { routingPreference: [], mode: 'PASSTHROUGH', healthPolicy: 'ONLY_HEALTHY' },
      },
    );
    const { state } = storeWith([client], [svc]);
    expect(
      planOutbound({
        state,
        source: client,
        destination: dst('10.96.0.3', 80),
        random: Math.random,
      }),
    ).toMatchObject({
      kind: 'passthrough',
      target: dst('10.96.0.3', 80),
    });
  });

  it('weights the pick by capacity', () => {
    const svc = testService('echo', '10.96.0.1', { 80: 8080 });
    const small = testWorkload('small', '10.0.2.2', { services: endpointOf(svc), capacity: 1 });
    const big = testWorkload('big', '10.0.2.3', { services: endpointOf(svc), capacity: 3 });
    const { state } = storeWith([client, small, big], [svc]);
    const pick = (x: number) =>
      hbone(
        planOutbound({ state, source: client, destination: dst('10.96.0.1', 80), random: () => x }),
      ).destination.name;
    expect([0, 0.2, 0.26, 0.5, 0.99].map(pick)).toEqual(['small', 'small', 'big', 'big', 'big']);
  });

  it('keeps only same-zone endpoints under FAILOVER when there are any, and drops the rest under STRICT', () => {
    const zone = (z: string) => ({ region: 'r', zone: z, subzone: '' });
    const src = testWorkload('client', '10.0.1.2', { locality: zone('a') });
    const lb = (mode: 'FAILOVER' | 'STRICT') =>
      testService(
        'echo',
        '10.96.0.1',
        { 80: 8080 },
        {
          loadBalancing: {
            routingPreference: ['REGION', 'ZONE'],
            mode,
            healthPolicy: 'ONLY_HEALTHY',
          },
        },
      );
    const svc = lb('FAILOVER');
    const near = testWorkload('near', '10.0.2.2', {
      services: endpointOf(svc),
      locality: zone('a'),
    });
    const far = testWorkload('far', '10.0.2.3', { services: endpointOf(svc), locality: zone('b') });
    const random = sequence([0, 0.3, 0.6, 0.9]);
    const { state } = storeWith([src, near, far], [svc]);
    for (let i = 0; i < 4; i++) {
      expect(
        hbone(planOutbound({ state, source: src, destination: dst('10.96.0.1', 80), random }))
          .destination.name,
      ).toBe('near');
    }
    const onlyFar = storeWith([src, far], [lb('STRICT')]);
    expect(
      planOutbound({ state: onlyFar.state, source: src, destination: dst('10.96.0.1', 80), random })
        .kind,
    ).toBe('refuse');
    const failover = storeWith([src, far], [svc]);
    expect(
      hbone(
        planOutbound({
          state: failover.state,
          source: src,
          destination: dst('10.96.0.1', 80),
          random,
        }),
      ).destination.name,
    ).toBe('far');
  });

  it("sends a service's traffic to its waypoint with the original VIP:port as authority", () => {
    const wpSvc = testService('waypoint', '10.96.0.9', { 15008: 15008 });
    const wp = testWorkload('waypoint-pod', '10.0.3.3', {
      serviceAccount: 'waypoint',
      services: endpointOf(wpSvc),
    });
    const svc = testService(
      'echo',
      '10.96.0.1',
      { 80: 8080 },
      {
        waypoint: {
          kind: 'hostname',
          namespace: 'default',
          hostname: wpSvc.hostname,
          hboneMtlsPort: 15008,
        },
      },
    );
    const a = testWorkload('a', '10.0.2.2', { services: endpointOf(svc) });
    const { state } = storeWith([client, a, wp], [svc, wpSvc]);
    const r = hbone(
      planOutbound({
        state,
        source: client,
        destination: dst('10.96.0.1', 80),
        random: Math.random,
      }),
    );
    expect(r).toMatchObject({
      nextHop: dst('10.0.3.3', 15008),
      authority: '10.96.0.1:80',
      viaWaypoint: true,
    });
    expect(r.expectedIdentities).toEqual(['spiffe://cluster.local/ns/default/sa/waypoint']);
    // The waypoint itself goes straight to the endpoint.
    const fromWaypoint = hbone(
      planOutbound({ state, source: wp, destination: dst('10.96.0.1', 80), random: Math.random }),
    );
    expect(fromWaypoint).toMatchObject({
      nextHop: dst('10.0.2.2', 15008),
      authority: '10.0.2.2:8080',
      viaWaypoint: false,
    });
  });

  it("sends a pod-addressed connection to the pod's workload waypoint", () => {
    const wp = testWorkload('wp', '10.0.3.3', { serviceAccount: 'waypoint' });
    const server = testWorkload('server', '10.0.2.2', {
      waypoint: {
        kind: 'address',
        address: { network: '', address: requireIp('10.0.3.3', 't') },
        hboneMtlsPort: 15008,
      },
    });
    const { state } = storeWith([client, server, wp]);
    expect(
      hbone(
        planOutbound({
          state,
          source: client,
          destination: dst('10.0.2.2', 8080),
          random: Math.random,
        }),
      ),
    ).toMatchObject({
      nextHop: dst('10.0.3.3', 15008),
      authority: '10.0.2.2:8080',
      viaWaypoint: true,
    });
  });
});
