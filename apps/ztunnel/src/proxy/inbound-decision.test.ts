import { create } from '@bufbuild/protobuf';
import { authorizationFromProto } from '@ambient-ts/policy';
import { parseSpiffeId } from '@ambient-ts/spiffe';
import { security } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { requireIp } from '@ambient-ts/workload-state';
import {
  endpointOf,
  storeWith,
  testService,
  testWorkload,
} from '@ambient-ts/workload-state/testing';
import { decideInbound, forwardedHost, inboundService } from './inbound-decision.js';

const ip = (s: string) => requireIp(s, 't');
const peer = parseSpiffeId('spiffe://cluster.local/ns/default/sa/client');

describe('inbound decisions', () => {
  const local = testWorkload('server', '10.0.2.2');

  it('refuses an HBONE authority naming another IP (400 ip mismatch)', () => {
    const { state } = storeWith([local]);
    expect(
      decideInbound({
        state,
        local,
        localIp: ip('10.0.2.2'),
        peer,
        srcIp: ip('10.0.1.2'),
        target: { ip: ip('10.0.9.9'), port: 8080 },
        enforceWaypoint: true,
      }),
    ).toEqual({
      allow: false,
      status: 400,
      flag: '-',
      reason: 'ip mismatch: 10.0.2.2 != 10.0.9.9',
    });
  });

  it("refuses ztunnel's own ports as the final port", () => {
    const { state } = storeWith([local]);
    const v = decideInbound({
      state,
      local,
      localIp: ip('10.0.2.2'),
      peer,
      srcIp: ip('10.0.1.2'),
      target: { ip: ip('10.0.2.2'), port: 15001 },
      enforceWaypoint: true,
    });
    expect(v).toMatchObject({
      allow: false,
      status: 503,
      reason: 'attempted recursive call to ourselves',
    });
  });

  it('lets only the waypoint reach a workload that has one', () => {
    const wpSvc = testService('wp', '10.96.0.9', { 15008: 15008 });
    const wp = testWorkload('wp-pod', '10.0.3.3', {
      serviceAccount: 'waypoint',
      services: endpointOf(wpSvc),
    });
    const guarded = testWorkload('guarded', '10.0.2.2', {
      waypoint: {
        kind: 'hostname',
        namespace: 'default',
        hostname: wpSvc.hostname,
        hboneMtlsPort: 15008,
      },
    });
    const { state } = storeWith([guarded, wp], [wpSvc]);
    const input = (p: typeof peer | undefined) => ({
      state,
      local: guarded,
      localIp: ip('10.0.2.2'),
      peer: p,
      srcIp: ip('10.0.1.2'),
      target: { ip: ip('10.0.2.2'), port: 8080 },
      enforceWaypoint: true,
    });
    expect(decideInbound(input(peer))).toMatchObject({ allow: false, status: 401, flag: 'DENY' });
    expect(decideInbound(input(undefined))).toMatchObject({ allow: false, status: 401 });
    expect(
      decideInbound(input(parseSpiffeId('spiffe://cluster.local/ns/default/sa/waypoint'))).allow,
    ).toBe(true);
    expect(decideInbound({ ...input(peer), enforceWaypoint: false }).allow).toBe(true);
  });

  it('denies when the workload references a policy that has not arrived', () => {
    const w = testWorkload('server', '10.0.2.2', { authorizationPolicies: ['default/missing'] });
    const { state } = storeWith([w]);
    const v = decideInbound({
      state,
      local: w,
      localIp: ip('10.0.2.2'),
      peer,
      srcIp: ip('10.0.1.2'),
      target: { ip: ip('10.0.2.2'), port: 8080 },
      enforceWaypoint: true,
    });
    expect(v).toMatchObject({ allow: false, status: 401, flag: 'DENY' });
  });

  it('evaluates policies against the target port with the peer identity', () => {
    const w = testWorkload('server', '10.0.2.2', { authorizationPolicies: ['default/p'] });
    const s = storeWith([w]);
    s.updater.applyPolicies({
      policies: [
        authorizationFromProto(
          create(security.AuthorizationSchema, {
            name: 'p',
            namespace: 'default',
            scope: security.Scope.WORKLOAD_SELECTOR,
            action: security.Action.ALLOW,
            rules: [{ clauses: [{ matches: [{ destinationPorts: [8080] }] }] }],
          }),
        ),
      ],
      removed: [],
    });
    const at = (port: number) =>
      decideInbound({
        state: s.state,
        local: w,
        localIp: ip('10.0.2.2'),
        peer,
        srcIp: ip('10.0.1.2'),
        target: { ip: ip('10.0.2.2'), port },
        enforceWaypoint: true,
      });
    expect(at(8080).allow).toBe(true);
    expect(at(9090)).toMatchObject({
      allow: false,
      reason: 'connection closed due to policy rejection: allow policies exist, but none allowed',
    });
  });

  it('names the service by Forwarded host first, else by target port', () => {
    const a = testService('a', '10.96.0.1', { 80: 8080 });
    const b = testService('b', '10.96.0.2', { 81: 8080 });
    const w = testWorkload('server', '10.0.2.2', {
      services: new Map([...endpointOf(a), ...endpointOf(b)]),
    });
    const { state } = storeWith([w], [a, b]);
    expect(inboundService(state, w, 8080)?.name).toBe('a');
    expect(inboundService(state, w, 8080, 'b.default.svc.cluster.local')?.name).toBe('b');
    expect(inboundService(state, w, 7070)).toBeUndefined();
    expect(forwardedHost('for="10.0.1.2:5555";host=b.default.svc.cluster.local')).toBe(
      'b.default.svc.cluster.local',
    );
    expect(forwardedHost('for="10.0.1.2:5555"')).toBeUndefined();
  });
});
