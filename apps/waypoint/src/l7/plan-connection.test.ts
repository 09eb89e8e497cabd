// planConnection: connection-level authorization, then the tcp_route.

import { waypoint } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { planConnection } from './plan-connection.js';
import { backend, compiled, HOST, NS, PORT, sequence, type ListenerInit } from './test-fixtures.js';

const tcp = (init: ListenerInit = {}) => compiled({ protocol: waypoint.Protocol.TCP, ...init });
const conn = {
  peer: { identity: 'spiffe://cluster.local/ns/bookinfo/sa/productpage', ip: '10.0.0.5' },
  destination: { ip: '10.96.0.10', port: PORT },
};

describe('planConnection', () => {
  it('forwards to the listener’s own service port without a tcp_route', () => {
    expect(planConnection(tcp(), conn)).toMatchObject({
      kind: 'forward',
      backend: { namespace: NS, hostname: HOST, port: PORT },
    });
  });

  it('picks a tcp_route backend by weight and names the route', () => {
    const l = tcp({
      tcpRoute: {
        name: 'TCPRoute/bookinfo/db/rule/0',
        backends: [
          { backend: backend('a'), weight: 1 },
          { backend: backend('b'), weight: 1 },
        ],
      },
    });
    expect(planConnection(l, conn, sequence(0.49))).toMatchObject({
      kind: 'forward',
      route: 'TCPRoute/bookinfo/db/rule/0',
      backend: { hostname: backend('a').hostname },
    });
    expect(planConnection(l, conn, sequence(0.5))).toMatchObject({
      backend: { hostname: backend('b').hostname },
    });
  });

  it.each([
    ['no backends', []],
    ['zero weights', [{ backend: backend('a'), weight: 0 }]],
    ['an unresolved backend', [{ weight: 1 }]],
  ])('has no backend with %s', (_name, backends) => {
    expect(planConnection(tcp({ tcpRoute: { name: 't', backends } }), conn, sequence(0))).toEqual({
      kind: 'no-backend',
      route: 't',
    });
  });

  it('denies by connection attributes before routing, naming the policy', () => {
    const l = tcp({
      policies: [
        {
          name: 'deny-3306',
          namespace: NS,
          action: waypoint.Action.DENY,
          rules: [
            {
              to: [{ ports: [PORT] }],
              from: [{ ipBlocks: [{ address: new Uint8Array([10, 0, 0, 0]), length: 24 }] }],
            },
          ],
        },
      ],
    });
    expect(planConnection(l, conn)).toEqual({ kind: 'deny', policy: 'bookinfo/deny-3306' });
    expect(planConnection(l, { ...conn, peer: { ip: '10.0.1.5' } }).kind).toBe('forward');
  });

  it('an ALLOW by principal admits only that peer', () => {
    const l = tcp({
      policies: [
        {
          name: 'only-pp',
          namespace: NS,
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
            },
          ],
        },
      ],
    });
    expect(planConnection(l, conn).kind).toBe('forward');
    expect(planConnection(l, { ...conn, peer: { ip: '10.0.0.5' } })).toEqual({ kind: 'deny' });
  });

  it('reports AUDIT matches', () => {
    const l = tcp({
      policies: [{ name: 'audit', namespace: NS, action: waypoint.Action.AUDIT, rules: [{}] }],
    });
    expect(planConnection(l, conn)).toMatchObject({ kind: 'forward', audited: ['bookinfo/audit'] });
  });

  it('refuses an HTTP listener (those take planRequest)', () => {
    expect(() => planConnection(compiled(), conn)).toThrow(/use planRequest/);
  });
});
