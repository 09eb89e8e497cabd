import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { envoyCore } from '@ambient-ts/xds-types';
import { authorizeStream, runsNodePod, type BindingContext } from './stream-binding.js';
import type { StreamCaller } from './stream-identity.js';

const caller = (ns: string, sa: string, pod?: { name: string; uid?: string }): StreamCaller => ({
  namespace: ns,
  serviceAccount: sa,
  identity: `spiffe://cluster.local/ns/${ns}/sa/${sa}`,
  via: 'token',
  ...(pod && { podName: pod.name }),
  ...(pod?.uid !== undefined && { podUid: pod.uid }),
});

const node = (id: string, metadata: Record<string, string> = {}) =>
  create(envoyCore.NodeSchema, { id, metadata });

const pods: Record<string, { serviceAccount: string; uid: string }> = {
  'istio-system/ztunnel-n1': { serviceAccount: 'ztunnel', uid: 'uid-zt' },
  'default/waypoint-7d9': { serviceAccount: 'waypoint', uid: 'uid-wp' },
  'default/sleep': { serviceAccount: 'sleep', uid: 'uid-sleep' },
};
const context: BindingContext = {
  trustedNodeAccounts: ['istio-system/ztunnel'],
  pod: (ns, name) => pods[`${ns}/${name}`],
};
const ZT = 'ztunnel~10.0.0.5~ztunnel-n1.istio-system~istio-system.svc.cluster.local';
const WP = 'waypoint~10.244.1.99~waypoint-7d9.default~default.svc.cluster.local';

describe('which caller may be which proxy', () => {
  it.each([
    [
      'the ztunnel, pod-bound',
      caller('istio-system', 'ztunnel', { name: 'ztunnel-n1', uid: 'uid-zt' }),
      node(ZT),
    ],
    ['the ztunnel by certificate (no pod binding)', caller('istio-system', 'ztunnel'), node(ZT)],
    [
      'the waypoint as itself',
      caller('default', 'waypoint', { name: 'waypoint-7d9' }),
      node(WP, { SERVICE_ACCOUNT: 'waypoint' }),
    ],
    [
      'a pod not known yet, same namespace',
      caller('default', 'sleep'),
      node('sidecar~1.1.1.1~new-pod.default~default.svc.cluster.local'),
    ],
  ])('accepts %s', (_what, c, n) => {
    expect(authorizeStream(c, n, context)).toEqual({ ok: true });
  });

  it.each([
    ['another namespace in the id', caller('default', 'sleep'), node(ZT), /namespace istio-system/],
    [
      'another namespace in NAMESPACE metadata',
      caller('default', 'sleep', { name: 'sleep' }),
      node('sidecar~1.1.1.1~sleep.default~default.svc.cluster.local', {
        NAMESPACE: 'istio-system',
      }),
      /namespace istio-system/,
    ],
    [
      'another SERVICE_ACCOUNT',
      caller('default', 'sleep', { name: 'sleep' }),
      node('sidecar~1.1.1.1~sleep.default~default.svc.cluster.local', {
        SERVICE_ACCOUNT: 'waypoint',
      }),
      /service account waypoint/,
    ],
    [
      'another pod than the token’s',
      caller('default', 'waypoint', { name: 'waypoint-other' }),
      node(WP),
      /bound to pod waypoint-other/,
    ],
    [
      'a known pod of another SA',
      caller('default', 'default'),
      node(WP),
      /does not run as default\/default/,
    ],
    [
      'a recreated pod (stale UID)',
      caller('istio-system', 'ztunnel', { name: 'ztunnel-n1', uid: 'old' }),
      node(ZT),
      /pod UID/,
    ],
    [
      'ztunnel as an untrusted SA',
      caller('default', 'sleep', { name: 'sleep' }),
      node('ztunnel~1.1.1.1~sleep.default~default.svc.cluster.local'),
      /may not connect as ztunnel/,
    ],
    [
      'a node with no namespace at all',
      caller('default', 'sleep'),
      node('sidecar'),
      /names no namespace/,
    ],
  ])('refuses %s', (_what, c, n, reason) => {
    const r = authorizeStream(c, n, context);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(reason);
  });

  it('gives waypoint listeners only to the caller running the waypoint pod as its SA', () => {
    expect(
      runsNodePod(caller('default', 'waypoint', { name: 'waypoint-7d9' }), node(WP), context),
    ).toBe(true);
    expect(runsNodePod(caller('default', 'waypoint'), node(WP), context)).toBe(true);
    expect(runsNodePod(caller('default', 'sleep'), node(WP), context)).toBe(false);
    expect(
      runsNodePod(
        caller('default', 'waypoint'),
        node('waypoint~1.1.1.1~gone.default~default.svc.cluster.local'),
        context,
      ),
    ).toBe(false);
  });
});
