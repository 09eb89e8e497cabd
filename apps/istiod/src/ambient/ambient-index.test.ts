import { describe, expect, it } from 'vitest';
import { security, workload } from '@ambient-ts/xds-types';
import type { AmbientIndex } from './ambient-index.js';
import {
  endpointSlice,
  namespace,
  newIndex,
  node,
  pod,
  service,
  serviceEntry,
  waypointGateway,
} from './testing/fixtures.js';

function workloadOf(index: AmbientIndex, uid: string): workload.Workload {
  const out = index.addresses.get(uid);
  if (out?.message.type.case !== 'workload') throw new Error(`no workload ${uid}`);
  return out.message.type.value;
}

function serviceOf(index: AmbientIndex, name: string): workload.Service {
  const out = index.addresses.get(name);
  if (out?.message.type.case !== 'service') throw new Error(`no service ${name}`);
  return out.message.type.value;
}

const names = (c: { set: readonly { name: string }[] }): string[] => c.set.map((o) => o.name);

describe('pod workloads', () => {
  it('turns every pod with an IP into a workload keyed <cluster>//Pod/<ns>/<name>', () => {
    const { inputs, index } = newIndex();
    inputs.pods.upsert(pod('a', { ip: '10.244.1.5', sa: 'sleep', node: 'node-1' }));
    inputs.pods.upsert(pod('no-ip'));
    inputs.pods.upsert(pod('done', { ip: '10.244.1.6', phase: 'Succeeded' }));
    const change = index.flush();
    expect(names(change.addresses)).toEqual(['cluster0//Pod/default/a']);
    const w = workloadOf(index, 'cluster0//Pod/default/a');
    expect(w).toMatchObject({
      uid: 'cluster0//Pod/default/a',
      name: 'a',
      namespace: 'default',
      serviceAccount: 'sleep',
      node: 'node-1',
      clusterId: 'cluster0',
      trustDomain: '',
      tunnelProtocol: workload.TunnelProtocol.NONE,
      status: workload.WorkloadStatus.HEALTHY,
      workloadType: workload.WorkloadType.POD,
    });
    expect([...(w.addresses[0] ?? [])]).toEqual([10, 244, 1, 5]);
    expect(change.addresses.set[0]?.aliases).toEqual(['/10.244.1.5']);
  });

  it('uses HBONE only when istio-cni annotated the pod ambient.istio.io/redirection=enabled', () => {
    const { inputs, index } = newIndex();
    inputs.pods.upsert(
      pod('in', { ip: '10.0.0.1', annotations: { 'ambient.istio.io/redirection': 'enabled' } }),
    );
    inputs.pods.upsert(
      pod('pending', {
        ip: '10.0.0.2',
        annotations: { 'ambient.istio.io/redirection': 'pending' },
      }),
    );
    inputs.pods.upsert(
      pod('labelled', { ip: '10.0.0.3', labels: { 'istio.io/dataplane-mode': 'ambient' } }),
    );
    index.flush();
    expect(workloadOf(index, 'cluster0//Pod/default/in').tunnelProtocol).toBe(
      workload.TunnelProtocol.HBONE,
    );
    expect(workloadOf(index, 'cluster0//Pod/default/pending').tunnelProtocol).toBe(
      workload.TunnelProtocol.NONE,
    );
    expect(workloadOf(index, 'cluster0//Pod/default/labelled').tunnelProtocol).toBe(
      workload.TunnelProtocol.NONE,
    );
  });

  it('derives status, canonical name/revision and workload name from the pod', () => {
    const { inputs, index } = newIndex();
    const p = pod('reviews-v2-5b9c-xyz', {
      ip: '10.0.0.9',
      ready: false,
      labels: { app: 'reviews', version: 'v2', 'pod-template-hash': '5b9c' },
    });
    inputs.pods.upsert({
      ...p,
      metadata: {
        ...p.metadata,
        generateName: 'reviews-v2-5b9c-',
        ownerReferences: [{ kind: 'ReplicaSet', name: 'reviews-v2-5b9c', controller: true }],
      },
    });
    index.flush();
    expect(workloadOf(index, 'cluster0//Pod/default/reviews-v2-5b9c-xyz')).toMatchObject({
      status: workload.WorkloadStatus.UNHEALTHY,
      canonicalName: 'reviews',
      canonicalRevision: 'v2',
      workloadName: 'reviews-v2',
    });
  });

  it('lists selecting services with target ports, resolving named ports and dropping ports the pod lacks', () => {
    const { inputs, index } = newIndex();
    inputs.services.upsert(
      service('web', {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http-web' },
          { name: 'admin', port: 9000, targetPort: 'admin' },
          { name: 'grpc', port: 9090, targetPort: 19090 },
        ],
      }),
    );
    inputs.pods.upsert(
      pod('w', {
        ip: '10.0.0.4',
        labels: { app: 'web' },
        ports: [{ name: 'http-web', containerPort: 8080 }],
      }),
    );
    index.flush();
    const w = workloadOf(index, 'cluster0//Pod/default/w');
    expect(Object.keys(w.services)).toEqual(['default/web.default.svc.cluster.local']);
    expect(
      w.services['default/web.default.svc.cluster.local']?.ports.map((p) => [
        p.servicePort,
        p.targetPort,
      ]),
    ).toEqual([
      [80, 8080],
      [9090, 19090],
    ]);
  });

  it('reads locality from the node and recomputes the node’s pods when it changes', () => {
    const { inputs, index } = newIndex();
    inputs.nodes.upsert(
      node('node-1', {
        'topology.kubernetes.io/region': 'eu',
        'topology.kubernetes.io/zone': 'eu-1',
      }),
    );
    inputs.pods.upsert(pod('a', { ip: '10.0.0.1', node: 'node-1' }));
    inputs.pods.upsert(pod('b', { ip: '10.0.0.2', node: 'node-2' }));
    index.flush();
    expect(workloadOf(index, 'cluster0//Pod/default/a').locality).toMatchObject({
      region: 'eu',
      zone: 'eu-1',
    });
    inputs.nodes.upsert(node('node-1', { 'topology.kubernetes.io/region': 'us' }));
    expect(names(index.flush().addresses)).toEqual(['cluster0//Pod/default/a']);
  });
});

describe('services', () => {
  it('serves a Service as <ns>/<hostname> with VIPs, ports, app protocol and canonical', () => {
    const { inputs, index } = newIndex();
    inputs.services.upsert(
      service('productpage', {
        ip: '10.96.3.4',
        ports: [
          { name: 'http', port: 9080, targetPort: 9080 },
          { name: 'grpc-api', port: 9090, targetPort: 'api' },
          { name: 'db', port: 3306, targetPort: 3306 },
        ],
      }),
    );
    const change = index.flush();
    expect(names(change.addresses)).toEqual(['default/productpage.default.svc.cluster.local']);
    expect(change.addresses.set[0]?.aliases).toEqual(['/10.96.3.4']);
    const s = serviceOf(index, 'default/productpage.default.svc.cluster.local');
    expect(s).toMatchObject({
      name: 'productpage',
      namespace: 'default',
      hostname: 'productpage.default.svc.cluster.local',
      canonical: true,
    });
    expect(s.addresses.map((a) => [...a.address])).toEqual([[10, 96, 3, 4]]);
    expect(s.ports.map((p) => [p.servicePort, p.targetPort, p.appProtocol])).toEqual([
      [9080, 9080, workload.AppProtocol.HTTP11],
      [9090, 0, workload.AppProtocol.GRPC],
      [3306, 3306, workload.AppProtocol.TCP],
    ]);
  });

  it('maps internalTrafficPolicy, traffic distribution and publishNotReadyAddresses to load balancing', () => {
    const { inputs, index } = newIndex();
    const local = service('local', { ip: '10.96.0.1' });
    inputs.services.upsert({ ...local, spec: { ...local.spec, internalTrafficPolicy: 'Local' } });
    const close = service('close', { ip: '10.96.0.2' });
    inputs.services.upsert({
      ...close,
      spec: { ...close.spec, trafficDistribution: 'PreferClose', publishNotReadyAddresses: true },
    });
    index.flush();
    expect(serviceOf(index, 'default/local.default.svc.cluster.local').loadBalancing).toMatchObject(
      {
        routingPreference: [workload.LoadBalancing_Scope.NODE],
        mode: workload.LoadBalancing_Mode.STRICT,
      },
    );
    expect(serviceOf(index, 'default/close.default.svc.cluster.local').loadBalancing).toMatchObject(
      {
        routingPreference: [
          workload.LoadBalancing_Scope.NETWORK,
          workload.LoadBalancing_Scope.REGION,
          workload.LoadBalancing_Scope.ZONE,
        ],
        mode: workload.LoadBalancing_Mode.FAILOVER,
        healthPolicy: workload.LoadBalancing_HealthPolicy.ALLOW_ALL,
      },
    );
  });

  it('skips ExternalName services and headless VIPs', () => {
    const { inputs, index } = newIndex();
    const ext = service('ext');
    inputs.services.upsert({ ...ext, spec: { type: 'ExternalName' } });
    const headless = service('headless');
    inputs.services.upsert({
      ...headless,
      spec: { ...headless.spec, clusterIP: 'None', clusterIPs: ['None'] },
    });
    index.flush();
    expect(index.addresses.get('default/ext.default.svc.cluster.local')).toBeUndefined();
    expect(serviceOf(index, 'default/headless.default.svc.cluster.local').addresses).toEqual([]);
  });
});

describe('change reporting', () => {
  it('reports only the names whose bytes changed, and nothing for a no-op update', () => {
    const { inputs, index } = newIndex();
    inputs.pods.upsert(pod('a', { ip: '10.0.0.1', labels: { app: 'a' } }));
    inputs.pods.upsert(pod('b', { ip: '10.0.0.2', labels: { app: 'b' } }));
    inputs.services.upsert(service('svc-a', { selector: { app: 'a' } }));
    index.flush();

    inputs.pods.upsert(pod('c', { ip: '10.0.0.3' }));
    expect(names(index.flush().addresses)).toEqual(['cluster0//Pod/default/c']);

    // Same content, new object: recomputed, but not a change.
    inputs.pods.upsert(pod('b', { ip: '10.0.0.2', labels: { app: 'b' } }));
    const noop = index.flush();
    expect(noop.addresses.set).toEqual([]);
    expect(noop.addresses.removed).toEqual([]);

    // A selector change moves the service from pod a to pod b: both change, c does not.
    inputs.services.upsert(service('svc-a', { selector: { app: 'b' } }));
    expect(names(index.flush().addresses)).toEqual([
      'cluster0//Pod/default/a',
      'cluster0//Pod/default/b',
    ]);
  });

  it('ignores status-only updates of Services (istiod’s own status writes cost nothing)', () => {
    const { inputs, index } = newIndex();
    inputs.pods.upsert(pod('a', { ip: '10.0.0.1', labels: { app: 'a' } }));
    const svc = service('svc-a', { selector: { app: 'a' } });
    inputs.services.upsert(svc);
    index.flush();
    inputs.services.upsert({
      ...svc,
      status: { conditions: [{ type: 'istio.io/WaypointBound', status: 'False' }] },
    });
    expect(index.hasPendingWork).toBe(false);
    inputs.services.upsert({
      ...svc,
      metadata: { ...svc.metadata, labels: { 'istio.io/use-waypoint': 'none' } },
    });
    expect(index.hasPendingWork).toBe(true);
  });

  it('reports removals when a pod is deleted or loses its IP', () => {
    const { inputs, index } = newIndex();
    inputs.pods.upsert(pod('a', { ip: '10.0.0.1' }));
    inputs.pods.upsert(pod('b', { ip: '10.0.0.2' }));
    index.flush();
    inputs.pods.delete('default/a');
    inputs.pods.upsert(pod('b'));
    const change = index.flush();
    expect(change.addresses.removed).toEqual([
      'cluster0//Pod/default/a',
      'cluster0//Pod/default/b',
    ]);
    expect(change.addresses.set).toEqual([]);
  });

  it('recomputes only the namespace’s objects when a namespace label changes', () => {
    const { inputs, index } = newIndex();
    inputs.namespaces.upsert(namespace('a'));
    inputs.namespaces.upsert(namespace('b'));
    inputs.gateways.upsert(waypointGateway('waypoint', { ns: 'a' }));
    inputs.services.upsert(service('s1', { ns: 'a', ip: '10.96.0.1' }));
    inputs.services.upsert(service('s2', { ns: 'b', ip: '10.96.0.2' }));
    index.flush();
    inputs.namespaces.upsert(namespace('a', { 'istio.io/use-waypoint': 'waypoint' }));
    expect(names(index.flush().addresses)).toEqual(['a/s1.a.svc.cluster.local']);
  });
});

describe('waypoint binding', () => {
  function bound() {
    const env = newIndex();
    env.inputs.namespaces.upsert(namespace('default', { 'istio.io/use-waypoint': 'waypoint' }));
    env.inputs.gateways.upsert(waypointGateway('waypoint'));
    env.inputs.services.upsert(service('reviews', { selector: { app: 'reviews' } }));
    env.inputs.pods.upsert(pod('reviews-1', { ip: '10.0.0.7', labels: { app: 'reviews' } }));
    return env;
  }

  it('binds a namespace’s services to its waypoint by hostname address, not its pods (service traffic)', () => {
    const { index } = bound();
    const change = index.flush();
    const svc = serviceOf(index, 'default/reviews.default.svc.cluster.local');
    expect(svc.waypoint?.destination.case).toBe('hostname');
    expect(svc.waypoint?.destination.value).toMatchObject({
      namespace: 'default',
      hostname: 'waypoint.default.svc.cluster.local',
    });
    expect(svc.waypoint?.hboneMtlsPort).toBe(15008);
    expect(workloadOf(index, 'cluster0//Pod/default/reviews-1').waypoint).toBeUndefined();
    expect(
      change.statuses
        .find((s) => s.target.kind === 'Service')
        ?.conditions.get('istio.io/WaypointBound'),
    ).toEqual({
      type: 'istio.io/WaypointBound',
      status: 'True',
      reason: 'WaypointAccepted',
      message: 'Successfully attached to waypoint default/waypoint',
    });
  });

  it('binds workloads too when the waypoint is for `all`, and never the waypoint’s own pods', () => {
    const { inputs, index } = bound();
    inputs.gateways.upsert(
      waypointGateway('waypoint', { labels: { 'istio.io/waypoint-for': 'all' } }),
    );
    inputs.pods.upsert(
      pod('waypoint-abc', {
        ip: '10.0.0.8',
        labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
      }),
    );
    index.flush();
    expect(workloadOf(index, 'cluster0//Pod/default/reviews-1').waypoint?.destination.case).toBe(
      'hostname',
    );
    expect(workloadOf(index, 'cluster0//Pod/default/waypoint-abc').waypoint).toBeUndefined();
  });

  it('honours istio.io/use-waypoint=none on the object over the namespace', () => {
    const { inputs, index } = bound();
    inputs.services.upsert(
      service('reviews', {
        selector: { app: 'reviews' },
        labels: { 'istio.io/use-waypoint': 'none' },
      }),
    );
    const change = index.flush();
    expect(serviceOf(index, 'default/reviews.default.svc.cluster.local').waypoint).toBeUndefined();
    expect(change.statuses[0]?.conditions.get('istio.io/WaypointBound')).toBeUndefined();
  });

  it('reports WaypointIsNotReady while the Gateway has no addresses, and binds once it does (pushing only the bound service)', () => {
    const { inputs, index } = bound();
    inputs.gateways.upsert({ ...waypointGateway('waypoint'), status: {} });
    inputs.services.upsert(
      service('other', { ip: '10.96.9.9', labels: { 'istio.io/use-waypoint': 'none' } }),
    );
    const first = index.flush();
    expect(
      first.statuses
        .find((s) => s.target.name === 'reviews')
        ?.conditions.get('istio.io/WaypointBound'),
    ).toEqual({
      type: 'istio.io/WaypointBound',
      status: 'False',
      reason: 'WaypointIsNotReady',
      message: 'waypoint "default/waypoint" is not ready',
    });
    inputs.gateways.upsert(waypointGateway('waypoint'));
    expect(names(index.flush().addresses)).toEqual(['default/reviews.default.svc.cluster.local']);
  });

  it('denies cross-namespace use unless allowedRoutes allows it, and an unreadable selector allows nobody', () => {
    const { inputs, index } = newIndex();
    inputs.namespaces.upsert(namespace('app', { team: 'a' }));
    inputs.gateways.upsert(waypointGateway('shared', { ns: 'infra' }));
    inputs.services.upsert(
      service('api', {
        ns: 'app',
        labels: { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra' },
      }),
    );
    let change = index.flush();
    expect(change.statuses[0]?.conditions.get('istio.io/WaypointBound')).toMatchObject({
      status: 'False',
      reason: 'AttachmentDenied',
      message: 'we are not permitted to attach to waypoint "infra/shared" (missing allowedRoutes?)',
    });
    inputs.gateways.upsert(
      waypointGateway('shared', { ns: 'infra', allowedRoutes: { namespaces: { from: 'All' } } }),
    );
    index.flush();
    expect(serviceOf(index, 'app/api.app.svc.cluster.local').waypoint).toBeDefined();
    inputs.gateways.upsert(
      waypointGateway('shared', {
        ns: 'infra',
        allowedRoutes: {
          namespaces: {
            from: 'Selector',
            selector: { matchExpressions: [{ key: 'team', operator: 'Sometimes' }] },
          },
        },
      }),
    );
    change = index.flush();
    expect(serviceOf(index, 'app/api.app.svc.cluster.local').waypoint).toBeUndefined();
    expect(change.warnings.some((w) => w.message.includes('unknown operator "Sometimes"'))).toBe(
      true,
    );
    inputs.gateways.upsert(
      waypointGateway('shared', {
        ns: 'infra',
        allowedRoutes: { namespaces: { from: 'Everywhere' } },
      }),
    );
    change = index.flush();
    expect(serviceOf(index, 'app/api.app.svc.cluster.local').waypoint).toBeUndefined();
    expect(
      change.warnings.some((w) => w.message.includes('"Everywhere" is unknown; treated as Same')),
    ).toBe(true);
  });

  it('reports UnsupportedTrafficType for a service bound to a workload-only waypoint', () => {
    const { inputs, index } = bound();
    inputs.gateways.upsert(
      waypointGateway('waypoint', { labels: { 'istio.io/waypoint-for': 'workload' } }),
    );
    const change = index.flush();
    expect(
      change.statuses
        .find((s) => s.target.name === 'reviews')
        ?.conditions.get('istio.io/WaypointBound'),
    ).toMatchObject({
      status: 'False',
      reason: 'UnsupportedTrafficType',
      message:
        'attempting to bind to traffic type "service" which the waypoint "default/waypoint" does not support',
    });
  });
});

describe('endpoint slices and service entries', () => {
  it('adds selector-less services to pods named by EndpointSlice targetRefs, and serves non-pod endpoints as workloads', () => {
    const { inputs, index } = newIndex();
    inputs.services.upsert(
      service('manual', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
    );
    inputs.pods.upsert(pod('p', { ip: '10.0.0.5' }));
    inputs.endpointSlices.upsert(
      endpointSlice('manual-abc', 'manual', [
        { addresses: ['10.0.0.5'], targetRef: { kind: 'Pod', name: 'p', namespace: 'default' } },
        { addresses: ['192.168.7.7'], conditions: { ready: false } },
      ]),
    );
    index.flush();
    expect(Object.keys(workloadOf(index, 'cluster0//Pod/default/p').services)).toEqual([
      'default/manual.default.svc.cluster.local',
    ]);
    const vm = workloadOf(
      index,
      'cluster0/discovery.k8s.io/EndpointSlice/default/manual-abc/192.168.7.7',
    );
    expect(vm.status).toBe(workload.WorkloadStatus.UNHEALTHY);
    expect(
      vm.services['default/manual.default.svc.cluster.local']?.ports.map((p) => [
        p.servicePort,
        p.targetPort,
      ]),
    ).toEqual([[80, 8080]]);
  });

  it('serves a ServiceEntry per host with CIDR addresses and its inline endpoints, warning about a bad CIDR', () => {
    const { inputs, index } = newIndex();
    inputs.serviceEntries.upsert(
      serviceEntry('ext', {
        hosts: ['api.example.com'],
        addresses: ['240.240.0.0/16', '240.241.0.1', '10.0.0.0/99', 'not-an-ip'],
        ports: [{ number: 443, name: 'tls', protocol: 'TLS' }, { number: 'x' }],
        resolution: 'STATIC',
        endpoints: [{ address: '1.2.3.4', ports: { tls: 8443 } }],
      }),
    );
    const change = index.flush();
    const svc = serviceOf(index, 'default/api.example.com');
    expect(svc.addresses.map((a) => [[...a.address].join('.'), a.length])).toEqual([
      ['240.240.0.0', 16],
      ['240.241.0.1', undefined],
    ]);
    expect(svc.ports.map((p) => [p.servicePort, p.targetPort, p.appProtocol])).toEqual([
      [443, 443, workload.AppProtocol.TLS],
    ]);
    const ep = workloadOf(index, 'cluster0/networking.istio.io/ServiceEntry/default/ext/1.2.3.4');
    expect(
      ep.services['default/api.example.com']?.ports.map((p) => [p.servicePort, p.targetPort]),
    ).toEqual([[443, 8443]]);
    expect(change.warnings.map((w) => w.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('spec.addresses[2] "10.0.0.0/99" is not an IP address or CIDR'),
        expect.stringContaining('spec.addresses[3] "not-an-ip"'),
        expect.stringContaining('spec.ports[1].number "x" is not a port'),
      ]),
    );
  });

  it('adds a ServiceEntry with a workloadSelector to the services of the pods it selects', () => {
    const { inputs, index } = newIndex();
    inputs.pods.upsert(
      pod('db', {
        ip: '10.0.0.6',
        labels: { app: 'db' },
        ports: [{ name: 'pg', containerPort: 5433 }],
      }),
    );
    index.flush();
    inputs.serviceEntries.upsert(
      serviceEntry('db', {
        hosts: ['db.internal'],
        ports: [{ number: 5432, name: 'pg', protocol: 'TCP' }],
        workloadSelector: { labels: { app: 'db' } },
      }),
    );
    const change = index.flush();
    expect(names(change.addresses)).toEqual(['cluster0//Pod/default/db', 'default/db.internal']);
    expect(
      workloadOf(index, 'cluster0//Pod/default/db').services['default/db.internal']?.ports.map(
        (p) => p.targetPort,
      ),
    ).toEqual([5433]);
  });
});

describe('authorization', () => {
  it('sends an AuthorizationPolicy, lists it only on selected workloads, and removes it on delete', async () => {
    const { authorizationPolicy } = await import('./testing/fixtures.js');
    const { inputs, index } = newIndex();
    inputs.pods.upsert(pod('a', { ip: '10.0.0.1', labels: { app: 'a' } }));
    inputs.pods.upsert(pod('b', { ip: '10.0.0.2', labels: { app: 'b' } }));
    index.flush();
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('allow-a', {
        selector: { matchLabels: { app: 'a' } },
        action: 'ALLOW',
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/default/sa/sleep'] } }] }],
      }),
    );
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('ns-deny', {
        action: 'DENY',
        rules: [{ to: [{ operation: { ports: ['9999'] } }] }],
      }),
    );
    const change = index.flush();
    expect(names(change.authorizations)).toEqual(['default/allow-a', 'default/ns-deny']);
    expect(names(change.addresses)).toEqual(['cluster0//Pod/default/a']);
    expect(workloadOf(index, 'cluster0//Pod/default/a').authorizationPolicies).toEqual([
      'default/allow-a',
    ]);
    expect(index.authorizations.get('default/ns-deny')?.message).toMatchObject({
      scope: security.Scope.NAMESPACE,
      action: security.Action.DENY,
    });
    expect(
      change.statuses.find((s) => s.target.name === 'allow-a')?.conditions.get('ZtunnelAccepted'),
    ).toEqual({
      type: 'ZtunnelAccepted',
      status: 'True',
      reason: 'Accepted',
      message: 'attached to ztunnel',
    });
    inputs.authorizationPolicies.delete('default/allow-a');
    const removal = index.flush();
    expect(removal.authorizations.removed).toEqual(['default/allow-a']);
    expect(names(removal.addresses)).toEqual(['cluster0//Pod/default/a']);
    expect(workloadOf(index, 'cluster0//Pod/default/a').authorizationPolicies).toEqual([]);
  });

  it('converts PeerAuthentication STRICT into the static deny-plaintext policy listed on the namespace’s workloads', async () => {
    const { peerAuthentication } = await import('./testing/fixtures.js');
    const { inputs, index } = newIndex();
    inputs.pods.upsert(pod('a', { ip: '10.0.0.1' }));
    inputs.pods.upsert(pod('x', { ns: 'other', ip: '10.0.0.2' }));
    index.flush();
    inputs.peerAuthentications.upsert(peerAuthentication('strict', { mtls: { mode: 'STRICT' } }));
    const change = index.flush();
    expect(names(change.authorizations)).toEqual(['istio-system/istio_converted_static_strict']);
    expect(names(change.addresses)).toEqual(['cluster0//Pod/default/a']);
    expect(workloadOf(index, 'cluster0//Pod/default/a').authorizationPolicies).toEqual([
      'istio-system/istio_converted_static_strict',
    ]);
  });
});
