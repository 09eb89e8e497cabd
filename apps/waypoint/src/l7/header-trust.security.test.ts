// reliability.md §6 row 6 (header trust): an application behind a tunnel
// sends identity-like headers — Forwarded, X-Forwarded-For,
// X-Forwarded-Client-Cert, baggage — claiming another source. The waypoint's
// request classification (authorization, then routing) must decide on the
// tunnel's facts only: the mTLS peer identity and the client IP carried by
// HBONE. Each attack targets an ALLOW that only the spoofed identity or
// address would satisfy.
import { recordAttack } from '@ambient-ts/security-table';
import { waypoint } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { planRequest } from './plan-request.js';
import { compiled, request, type ListenerInit } from './test-fixtures.js';

const SPOOFED_IP = new Uint8Array([203, 0, 113, 7]);
const exact = (value: string) => ({ kind: { case: 'exact' as const, value } });

const allowOnly = (from: NonNullable<ListenerInit['policies']>[number]['rules']): ListenerInit => ({
  policies: [
    { name: 'allow-admin', namespace: 'bookinfo', action: waypoint.Action.ALLOW, rules: from },
  ],
});

describe('§6 row 6: identity-like headers from an app are never trusted', () => {
  it.each<[string, ListenerInit, Record<string, string>]>([
    [
      'X-Forwarded-Client-Cert naming another principal',
      allowOnly([{ from: [{ principals: [exact('cluster.local/ns/admin/sa/root')] }] }]),
      {
        'x-forwarded-client-cert':
          'By=spiffe://cluster.local/ns/bookinfo/sa/reviews;URI=spiffe://cluster.local/ns/admin/sa/root',
      },
    ],
    [
      'baggage claiming another namespace',
      allowOnly([{ from: [{ namespaces: [exact('admin')] }] }]),
      { baggage: 'k8s.namespace.name=admin,k8s.deployment.name=root,service.name=root' },
    ],
    [
      'Forwarded for= naming an allowed source address',
      allowOnly([{ from: [{ ipBlocks: [{ address: SPOOFED_IP, length: 32 }] }] }]),
      { forwarded: 'for=203.0.113.7;host=reviews' },
    ],
    [
      'X-Forwarded-For naming an allowed remote address',
      allowOnly([{ from: [{ remoteIpBlocks: [{ address: SPOOFED_IP, length: 32 }] }] }]),
      { 'x-forwarded-for': '203.0.113.7' },
    ],
  ])('%s is denied', (name, listener, headers) => {
    const plan = planRequest(
      compiled(listener),
      request({
        headers,
        peer: { identity: 'spiffe://cluster.local/ns/bookinfo/sa/productpage', ip: '10.0.0.5' },
      }),
    );
    expect(plan.kind).toBe('deny');
    const status = plan.kind === 'deny' ? plan.status : 0;
    expect(status).toBe(403);
    recordAttack({
      finding: '§6.6 header trust',
      attack: name,
      sent: `${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; ')} from productpage at 10.0.0.5`,
      happened: `waypoint answered ${status} (${plan.kind})`,
    });
  });

  it('the same policies allow the real source (the control case)', () => {
    const plan = planRequest(
      compiled(
        allowOnly([
          { from: [{ ipBlocks: [{ address: new Uint8Array([10, 0, 0, 5]), length: 32 }] }] },
        ]),
      ),
      request({ headers: { forwarded: 'for=203.0.113.7' } }),
    );
    expect(plan.kind).toBe('forward');
  });
});
