import { describe, expect, it } from 'vitest';
import { waypoint } from '@ambient-ts/xds-types';
import type { KubeObject } from '../kube/objects.js';
import type { AmbientIndex } from '../ambient/ambient-index.js';
import {
  authorizationPolicy,
  namespace,
  newIndex,
  pod,
  service,
  waypointGateway,
} from '../ambient/testing/fixtures.js';

const LISTENER = 'default/reviews.default.svc.cluster.local:9080';

function bookinfo() {
  const env = newIndex();
  env.inputs.namespaces.upsert(namespace('default', { 'istio.io/use-waypoint': 'waypoint' }));
  env.inputs.gateways.upsert(waypointGateway('waypoint'));
  for (const [name, ip] of [
    ['reviews', '10.96.0.1'],
    ['reviews-v1', '10.96.0.2'],
    ['reviews-v2', '10.96.0.3'],
  ] as const) {
    env.inputs.services.upsert(
      service(name, {
        ip,
        selector: { app: 'reviews' },
        ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
      }),
    );
  }
  return env;
}

function listener(index: AmbientIndex, name = LISTENER): waypoint.WaypointListener {
  const out = index.listeners.get(name);
  if (!out) throw new Error(`no listener ${name}; have ${[...index.listeners.names()].join(', ')}`);
  return out.message;
}

function httpRoute(name: string, spec: unknown, created = '2026-01-01T00:00:00Z'): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default', creationTimestamp: created },
    spec,
  };
}

const reviewsParent = { group: '', kind: 'Service', name: 'reviews', port: 9080 };

describe('HTTPRoute (GAMMA) compilation', () => {
  it('compiles a weighted split into one forward route for the service port, served to its waypoint', () => {
    const { inputs, index } = bookinfo();
    inputs.httpRoutes.upsert(
      httpRoute('reviews', {
        parentRefs: [reviewsParent],
        rules: [
          {
            backendRefs: [
              { name: 'reviews-v1', port: 9080, weight: 90 },
              { name: 'reviews-v2', port: 9080, weight: 10 },
            ],
          },
        ],
      }),
    );
    index.flush();
    const l = listener(index);
    expect(l).toMatchObject({
      serviceNamespace: 'default',
      serviceHostname: 'reviews.default.svc.cluster.local',
      port: 9080,
      protocol: waypoint.Protocol.HTTP,
    });
    expect(index.listenerWaypoint(LISTENER)).toBe('default/waypoint');
    expect(l.httpRoutes).toHaveLength(1);
    const route = l.httpRoutes[0]!;
    expect(route.name).toBe('HTTPRoute/default/reviews/rule/0');
    expect(route.matches[0]?.path?.kind).toEqual({ case: 'pathPrefix', value: '/' });
    expect(route.action.case).toBe('forward');
    const backends = route.action.case === 'forward' ? route.action.value.backends : [];
    expect(backends.map((b) => [b.backend?.hostname, b.backend?.port, b.weight])).toEqual([
      ['reviews-v1.default.svc.cluster.local', 9080, 90],
      ['reviews-v2.default.svc.cluster.local', 9080, 10],
    ]);
  });

  it('orders rules by Gateway API precedence: exact, longest prefix, method, headers', () => {
    const { inputs, index } = bookinfo();
    inputs.httpRoutes.upsert(
      httpRoute('mixed', {
        parentRefs: [reviewsParent],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/a' } }],
            backendRefs: [{ name: 'reviews-v1', port: 9080 }],
          },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/a/b' } }],
            backendRefs: [{ name: 'reviews-v1', port: 9080 }],
          },
          {
            matches: [{ path: { type: 'Exact', value: '/x' } }],
            backendRefs: [{ name: 'reviews-v1', port: 9080 }],
          },
          {
            matches: [
              {
                path: { type: 'PathPrefix', value: '/a' },
                headers: [{ name: 'End-User', value: 'jason' }],
              },
            ],
            backendRefs: [{ name: 'reviews-v2', port: 9080 }],
          },
        ],
      }),
    );
    index.flush();
    const routes = listener(index).httpRoutes;
    expect(routes.map((r) => r.name)).toEqual([
      'HTTPRoute/default/mixed/rule/2',
      'HTTPRoute/default/mixed/rule/1',
      'HTTPRoute/default/mixed/rule/3',
      'HTTPRoute/default/mixed/rule/0',
    ]);
    expect(routes[2]?.matches[0]?.headers[0]).toMatchObject({ name: 'end-user' });
  });

  it('answers 500 for a backend that does not exist without stealing the others’ share', () => {
    const { inputs, index } = bookinfo();
    inputs.httpRoutes.upsert(
      httpRoute('r', {
        parentRefs: [reviewsParent],
        rules: [
          {
            backendRefs: [
              { name: 'invalid', port: 9080 },
              { name: 'reviews-v1', port: 9080 },
            ],
          },
        ],
      }),
    );
    index.flush();
    const action = listener(index).httpRoutes[0]?.action;
    const backends = action?.case === 'forward' ? action.value.backends : [];
    expect(backends[0]?.backend).toBeUndefined();
    expect(backends[0]?.weight).toBe(1);
    expect(backends[1]?.backend?.hostname).toBe('reviews-v1.default.svc.cluster.local');
  });

  it('recompiles only the listener whose route changed, and removes listeners when the service leaves the waypoint', () => {
    const { inputs, index } = bookinfo();
    index.flush();
    expect([...index.listeners.names()].sort()).toEqual([
      'default/reviews-v1.default.svc.cluster.local:9080',
      'default/reviews-v2.default.svc.cluster.local:9080',
      LISTENER,
    ]);
    inputs.httpRoutes.upsert(
      httpRoute('r', {
        parentRefs: [reviewsParent],
        rules: [{ backendRefs: [{ name: 'reviews-v2', port: 9080 }] }],
      }),
    );
    expect(index.flush().listeners.set.map((o) => o.name)).toEqual([LISTENER]);
    inputs.services.upsert(
      service('reviews-v1', {
        ip: '10.96.0.2',
        selector: { app: 'reviews' },
        labels: { 'istio.io/use-waypoint': 'none' },
        ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
      }),
    );
    expect(index.flush().listeners.removed).toEqual([
      'default/reviews-v1.default.svc.cluster.local:9080',
    ]);
  });
});

describe('VirtualService compilation', () => {
  it('compiles fault injection, timeouts, retries and DestinationRule subsets resolved to workload uids', () => {
    const { inputs, index } = bookinfo();
    inputs.pods.upsert(
      pod('reviews-v1-a', { ip: '10.244.0.1', labels: { app: 'reviews', version: 'v1' } }),
    );
    inputs.pods.upsert(
      pod('reviews-v2-a', { ip: '10.244.0.2', labels: { app: 'reviews', version: 'v2' } }),
    );
    inputs.destinationRules.upsert({
      kind: 'DestinationRule',
      metadata: { name: 'reviews', namespace: 'default' },
      spec: {
        host: 'reviews',
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' } },
        ],
      },
    });
    inputs.virtualServices.upsert({
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'default' },
      spec: {
        hosts: ['reviews'],
        http: [
          {
            match: [{ headers: { 'end-user': { exact: 'jason' } } }],
            fault: {
              delay: { fixedDelay: '7s', percentage: { value: 100 } },
              abort: { httpStatus: 503, percentage: { value: 50 } },
            },
            route: [{ destination: { host: 'reviews', subset: 'v2' } }],
            timeout: '3s',
            retries: { attempts: 2, perTryTimeout: '1s', retryOn: '5xx,connect-failure,bogus' },
          },
          { route: [{ destination: { host: 'reviews', subset: 'v1' }, weight: 100 }] },
        ],
      },
    });
    const change = index.flush();
    const routes = listener(index).httpRoutes;
    expect(routes.map((r) => r.name)).toEqual([
      'VirtualService/default/reviews/http/0',
      'VirtualService/default/reviews/http/1',
    ]);
    const first = routes[0]!;
    expect(first.fault?.delay?.fixedDelay?.seconds).toBe(7n);
    expect(first.fault?.delay?.percentage?.value).toBe(100);
    expect(first.fault?.abort).toMatchObject({ httpStatus: 503, percentage: { value: 50 } });
    expect(first.timeouts?.request?.seconds).toBe(3n);
    expect(first.retry).toMatchObject({ attempts: 2, retryOn: ['5xx', 'connect-failure'] });
    expect(first.matches[0]?.headers[0]).toMatchObject({
      name: 'end-user',
      value: { kind: { case: 'exact', value: 'jason' } },
    });
    const dest = first.action.case === 'forward' ? first.action.value.backends[0] : undefined;
    expect(dest).toMatchObject({
      weight: 100,
      backend: { hostname: 'reviews.default.svc.cluster.local', port: 9080 },
    });
    expect(dest?.backend?.subset?.workloadUids).toEqual(['cluster0//Pod/default/reviews-v2-a']);
    expect(change.warnings.some((w) => w.message.includes('retryOn bogus not supported'))).toBe(
      true,
    );
  });

  it('gives an unknown subset no endpoints rather than all of them', () => {
    const { inputs, index } = bookinfo();
    inputs.pods.upsert(
      pod('reviews-v1-a', { ip: '10.244.0.1', labels: { app: 'reviews', version: 'v1' } }),
    );
    inputs.virtualServices.upsert({
      kind: 'VirtualService',
      metadata: { name: 'reviews', namespace: 'default' },
      spec: {
        hosts: ['reviews.default.svc.cluster.local'],
        http: [{ route: [{ destination: { host: 'reviews', subset: 'v9' } }] }],
      },
    });
    index.flush();
    const action = listener(index).httpRoutes[0]?.action;
    const backend = action?.case === 'forward' ? action.value.backends[0]?.backend : undefined;
    expect(backend?.subset).toMatchObject({ name: 'v9', workloadUids: [] });
  });
});

describe('targetRef AuthorizationPolicies at the waypoint', () => {
  it('attaches Service, Gateway and root GatewayClass policies, compiled to matchers', () => {
    const { inputs, index } = bookinfo();
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('svc-allow', {
        targetRefs: [{ kind: 'Service', group: '', name: 'reviews' }],
        action: 'ALLOW',
        rules: [
          {
            from: [{ source: { principals: ['cluster.local/ns/default/sa/productpage'] } }],
            to: [{ operation: { methods: ['GET'], paths: ['/reviews/{*}'] } }],
          },
        ],
      }),
    );
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('gw-deny', {
        targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }],
        action: 'DENY',
        rules: [{ to: [{ operation: { hosts: ['Evil.com'] } }] }],
      }),
    );
    inputs.authorizationPolicies.upsert(
      authorizationPolicy(
        'all-waypoints',
        {
          targetRefs: [
            { kind: 'GatewayClass', group: 'gateway.networking.k8s.io', name: 'istio-waypoint' },
          ],
          action: 'AUDIT',
          rules: [{}],
        },
        'istio-system',
      ),
    );
    const change = index.flush();
    const policies = listener(index).policies;
    expect(policies.map((p) => `${p.namespace}/${p.name}:${waypoint.Action[p.action]}`)).toEqual([
      'default/gw-deny:DENY',
      'default/svc-allow:ALLOW',
      'istio-system/all-waypoints:AUDIT',
    ]);
    const allow = policies[1]!;
    expect(allow.rules[0]?.from[0]?.principals[0]?.kind).toEqual({
      case: 'exact',
      value: 'cluster.local/ns/default/sa/productpage',
    });
    expect(allow.rules[0]?.to[0]?.paths[0]?.kind).toEqual({
      case: 'regex',
      value: '/reviews/[^/]+',
    });
    expect(policies[0]?.rules[0]?.to[0]?.hosts[0]).toMatchObject({
      kind: { case: 'exact', value: 'evil.com' },
      ignoreCase: true,
    });
    // The Service policy is only on reviews; the Gateway policy on every service of the waypoint.
    expect(
      listener(index, 'default/reviews-v1.default.svc.cluster.local:9080').policies.map(
        (p) => p.name,
      ),
    ).toEqual(['gw-deny', 'all-waypoints']);
    expect(
      change.statuses
        .find((s) => s.target.name === 'svc-allow')
        ?.conditions.get('WaypointAccepted'),
    ).toEqual({
      type: 'WaypointAccepted',
      status: 'True',
      reason: 'Accepted',
      message: 'bound to default/waypoint',
    });
  });

  it('strips HTTP attributes on a TCP port: an ALLOW rule needing them is dropped, a DENY loses them', () => {
    const { inputs, index } = bookinfo();
    inputs.services.upsert(
      service('db', { ip: '10.96.0.9', ports: [{ name: 'tcp-db', port: 5432, targetPort: 5432 }] }),
    );
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('db', {
        targetRefs: [{ kind: 'Service', group: '', name: 'db' }],
        action: 'ALLOW',
        rules: [
          { to: [{ operation: { methods: ['GET'] } }] },
          { from: [{ source: { namespaces: ['default'] } }] },
        ],
      }),
    );
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('db-deny', {
        targetRefs: [{ kind: 'Service', group: '', name: 'db' }],
        action: 'DENY',
        rules: [{ to: [{ operation: { paths: ['/admin'], ports: ['5432'] } }] }],
      }),
    );
    index.flush();
    const l = listener(index, 'default/db.default.svc.cluster.local:5432');
    expect(l.protocol).toBe(waypoint.Protocol.TCP);
    const [allow, deny] = [
      l.policies.find((p) => p.name === 'db'),
      l.policies.find((p) => p.name === 'db-deny'),
    ];
    expect(allow?.rules).toHaveLength(1);
    expect(allow?.rules[0]?.from[0]?.namespaces).toHaveLength(1);
    expect(deny?.rules[0]?.to[0]).toMatchObject({ paths: [], ports: [5432] });
  });

  it('enforces CUSTOM as DENY and a malformed targetRef policy fail-closed, with an Invalid status', () => {
    const { inputs, index } = bookinfo();
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('ext', {
        targetRefs: [{ kind: 'Service', group: '', name: 'reviews' }],
        action: 'CUSTOM',
        provider: { name: 'opa' },
        rules: [{ to: [{ operation: { paths: ['/admin'] } }] }],
      }),
    );
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('broken', {
        targetRefs: [{ kind: 'Service', group: '', name: 'reviews' }],
        action: 'DENY',
        rules: [{ to: [{ operation: { ports: ['http'] } }] }],
      }),
    );
    const change = index.flush();
    const byName = new Map(listener(index).policies.map((p) => [p.name, p]));
    expect(byName.get('ext')?.action).toBe(waypoint.Action.DENY);
    expect(byName.get('broken')).toMatchObject({ action: waypoint.Action.DENY });
    expect(byName.get('broken')?.rules).toHaveLength(1);
    expect(byName.get('broken')?.rules[0]).toMatchObject({ from: [], to: [], when: [] });
    expect(
      change.statuses.find((s) => s.target.name === 'broken')?.conditions.get('WaypointAccepted'),
    ).toMatchObject({
      status: 'False',
      reason: 'Invalid',
    });
  });

  it('reports AncestorNotBound, TargetNotFound and Invalid as upstream', () => {
    const { inputs, index } = bookinfo();
    inputs.services.upsert(
      service('lonely', { ip: '10.96.0.8', labels: { 'istio.io/use-waypoint': 'none' } }),
    );
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('a', {
        targetRefs: [{ kind: 'Service', group: '', name: 'lonely' }],
        action: 'ALLOW',
        rules: [{}],
      }),
    );
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('b', {
        targetRefs: [{ kind: 'Service', group: '', name: 'ghost' }],
        action: 'ALLOW',
        rules: [{}],
      }),
    );
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('c', {
        targetRefs: [
          { kind: 'GatewayClass', group: 'gateway.networking.k8s.io', name: 'istio-waypoint' },
        ],
        action: 'ALLOW',
        rules: [{}],
      }),
    );
    const change = index.flush();
    const cond = (name: string) =>
      change.statuses.find((s) => s.target.name === name)?.conditions.get('WaypointAccepted');
    expect(cond('a')).toMatchObject({
      status: 'False',
      reason: 'AncestorNotBound',
      message: 'Service default/lonely is not bound to a waypoint',
    });
    expect(cond('b')).toMatchObject({
      status: 'False',
      reason: 'TargetNotFound',
      message: 'Service default/ghost was not found',
    });
    expect(cond('c')).toMatchObject({
      status: 'False',
      reason: 'Invalid',
      message:
        'AuthorizationPolicy must be in the root namespace `istio-system` when referencing a GatewayClass',
    });
  });
});
