import { describe, expect, it } from 'vitest';
import { createIndexInputs } from '../ambient/inputs.js';
import { ObjectStore } from '../kube/object-store.js';
import type { EndpointSlice, KubeObject, Service } from '../kube/objects.js';
import { FakeKubeApi } from '../kube/testing/fake-kube-api.js';
import { silentLogger } from '../runtime/logger.js';
import { computeWaypointGatewayStatus } from './gateway-status.js';
import {
  controllerVersionDecision,
  WaypointDeploymentController,
} from './deployment-controller.js';
import { renderWaypointObjects, type WaypointDeploymentSettings } from './waypoint-objects.js';

const SETTINGS: WaypointDeploymentSettings = {
  image: 'docker.io/istio/proxyv2:1.30.0',
  istiodNamespace: 'istio-system',
  clusterId: 'Kubernetes',
  network: '',
  trustDomain: 'cluster.local',
  domainSuffix: 'cluster.local',
  revision: 'default',
};

function gateway(name = 'waypoint', extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: {
      name,
      namespace: 'bookinfo',
      uid: 'gw-uid',
      generation: 2,
      labels: { 'istio.io/waypoint-for': 'service' },
      ...extra,
    },
    spec: {
      gatewayClassName: 'istio-waypoint',
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
    },
  };
}

describe('waypoint objects', () => {
  it('renders the ServiceAccount, Deployment and Service upstream renders, owned by the Gateway', () => {
    const { serviceAccount, deployment, service } = renderWaypointObjects(gateway(), SETTINGS);
    const managed = {
      'gateway.istio.io/managed': 'istio.io-mesh-controller',
      'gateway.networking.k8s.io/gateway-class-name': 'istio-waypoint',
      'gateway.networking.k8s.io/gateway-name': 'waypoint',
      'istio.io/waypoint-for': 'service',
    };
    const owner = [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        name: 'waypoint',
        uid: 'gw-uid',
      },
    ];
    for (const o of [serviceAccount, deployment, service]) {
      expect(o.metadata).toMatchObject({
        name: 'waypoint',
        namespace: 'bookinfo',
        labels: managed,
        ownerReferences: owner,
      });
    }
    const spec = deployment.spec as {
      selector: unknown;
      template: {
        metadata: { labels: Record<string, string>; annotations: Record<string, string> };
        spec: {
          serviceAccountName: string;
          containers: {
            image: string;
            ports: { name: string; containerPort: number }[];
            env: { name: string; value?: string }[];
          }[];
        };
      };
    };
    expect(spec.selector).toEqual({
      matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
    });
    expect(spec.template.metadata.labels).toMatchObject({
      'istio.io/dataplane-mode': 'none',
      'sidecar.istio.io/inject': 'false',
      'service.istio.io/canonical-name': 'waypoint',
      'service.istio.io/canonical-revision': 'latest',
    });
    expect(spec.template.metadata.annotations).toEqual({
      'istio.io/rev': 'default',
      'prometheus.io/path': '/stats/prometheus',
      'prometheus.io/port': '15020',
      'prometheus.io/scrape': 'true',
    });
    const container = spec.template.spec.containers[0]!;
    expect(container.image).toBe('docker.io/istio/proxyv2:1.30.0');
    expect(container.ports.map((p) => `${p.name}:${p.containerPort}`)).toEqual([
      'metrics:15020',
      'status-port:15021',
      'http-envoy-prom:15090',
    ]);
    expect(container.env.find((e) => e.name === 'CA_ADDR')?.value).toBe(
      'istiod.istio-system.svc:15012',
    );
    expect(container.env.find((e) => e.name === 'ISTIO_META_OWNER')?.value).toBe(
      'kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/waypoint',
    );
    expect(service.metadata.annotations).toEqual({
      'networking.istio.io/traffic-distribution': 'PreferClose',
    });
    expect(service.spec).toEqual({
      type: 'ClusterIP',
      ipFamilyPolicy: 'PreferDualStack',
      ports: [
        { name: 'status-port', port: 15021, protocol: 'TCP', appProtocol: 'tcp' },
        { name: 'mesh', port: 15008, protocol: 'TCP', appProtocol: 'all' },
      ],
      selector: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
    });
  });

  it('honours the name-override and service-account annotations', () => {
    const o = renderWaypointObjects(
      gateway('waypoint', {
        annotations: {
          'gateway.istio.io/name-override': 'wp-x',
          'gateway.istio.io/service-account': 'custom-sa',
        },
      }),
      SETTINGS,
    );
    expect([
      o.deployment.metadata.name,
      o.service.metadata.name,
      o.serviceAccount.metadata.name,
    ]).toEqual(['wp-x', 'wp-x', 'custom-sa']);
  });
});

describe('gateway status', () => {
  it('is Programmed with both addresses once the Service has ready endpoints', () => {
    const s = computeWaypointGatewayStatus(gateway(), 'waypoint.bookinfo.svc.cluster.local', {
      exists: true,
      clusterIps: ['10.96.5.5'],
      readyEndpoints: 1,
    });
    expect(s.conditions.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Accepted', 'True', 'Accepted', 'Resource accepted'],
      [
        'Programmed',
        'True',
        'Programmed',
        'Resource programmed, assigned to service(s) waypoint.bookinfo.svc.cluster.local:15008',
      ],
      ['ResolvedRefs', 'True', 'ResolvedRefs', 'All references resolved'],
    ]);
    expect(s.addresses).toEqual([
      { type: 'IPAddress', value: '10.96.5.5' },
      { type: 'Hostname', value: 'waypoint.bookinfo.svc.cluster.local' },
    ]);
    expect(s.listeners[0]).toMatchObject({ name: 'mesh', attachedRoutes: 0, supportedKinds: [] });
  });

  it('reports no address while not ready, but keeps addresses once reported', () => {
    const fresh = computeWaypointGatewayStatus(gateway(), 'waypoint.bookinfo.svc.cluster.local', {
      exists: true,
      clusterIps: ['10.96.5.5'],
      readyEndpoints: 0,
    });
    expect(fresh.addresses).toEqual([]);
    expect(fresh.conditions[1]).toMatchObject({
      status: 'False',
      reason: 'AddressNotAssigned',
      message:
        'Failed to assign to any requested addresses: no instances found for hostname "waypoint.bookinfo.svc.cluster.local"',
    });
    const seen = {
      ...gateway(),
      status: { addresses: [{ type: 'IPAddress', value: '10.96.5.5' }] },
    };
    expect(
      computeWaypointGatewayStatus(seen, 'h', { exists: false, clusterIps: [], readyEndpoints: 0 })
        .addresses,
    ).toEqual([{ type: 'IPAddress', value: '10.96.5.5' }]);
  });

  it('refuses a listener that is not HBONE on 15008', () => {
    const gw = {
      ...gateway(),
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: 1234, protocol: 'HTTP' }],
      },
    };
    const s = computeWaypointGatewayStatus(gw, 'h', {
      exists: false,
      clusterIps: [],
      readyEndpoints: 0,
    });
    expect(s.listeners[0]?.conditions[0]).toMatchObject({
      type: 'Accepted',
      status: 'False',
      reason: 'UnsupportedProtocol',
      message: 'Expected a single listener on port 15008 with protocol "HBONE"',
    });
  });
});

describe('controller version', () => {
  it('takes over unstamped and older Gateways, leaves newer or unreadable ones alone', () => {
    const at = (v?: string) =>
      gateway(
        'w',
        v === undefined ? {} : { annotations: { 'gateway.istio.io/controller-version': v } },
      );
    expect(controllerVersionDecision(at())).toEqual({ manage: true, stamp: true });
    expect(controllerVersionDecision(at('4'))).toEqual({ manage: true, stamp: true });
    expect(controllerVersionDecision(at('5'))).toEqual({ manage: true, stamp: false });
    expect(controllerVersionDecision(at('6'))).toEqual({ manage: false, stamp: false });
    expect(controllerVersionDecision(at('v5'))).toEqual({ manage: false, stamp: false });
  });
});

describe('WaypointDeploymentController', () => {
  function setup() {
    const api = new FakeKubeApi();
    const inputs = createIndexInputs();
    const controller = new WaypointDeploymentController({
      api,
      gateways: inputs.gateways,
      gatewayClasses: inputs.gatewayClasses,
      services: inputs.services,
      endpointSlices: inputs.endpointSlices,
      managedDeployments: new ObjectStore('Deployment'),
      managedServiceAccounts: new ObjectStore('ServiceAccount'),
      settings: SETTINGS,
      logger: silentLogger,
      now: () => new Date('2026-03-04T05:06:07Z'),
    });
    return { api, inputs, controller };
  }

  it('creates the GatewayClass if missing, applies the objects, stamps the version and programs the Gateway', async () => {
    const { api, inputs, controller } = setup();
    inputs.gateways.upsert(gateway());
    controller.start();
    await controller.whenIdle();
    expect(api.objects.get('gatewayclasses')?.get('istio-waypoint')?.spec).toEqual({
      controllerName: 'istio.io/mesh-controller',
      description: 'The default Istio waypoint GatewayClass',
    });
    const applies = api.patches.filter((p) => p.patchType === 'apply');
    expect(applies.map((p) => `${p.type.kind}/${p.namespace}/${p.name}`)).toEqual([
      'ServiceAccount/bookinfo/waypoint',
      'Deployment/bookinfo/waypoint',
      'Service/bookinfo/waypoint',
    ]);
    expect(
      api.patches.find((p) => p.type.kind === 'Gateway' && p.subresource === undefined)?.patch,
    ).toEqual({
      metadata: { annotations: { 'gateway.istio.io/controller-version': '5' } },
    });
    const firstStatus = api.patches
      .filter((p) => p.subresource === 'status' && p.type.kind === 'Gateway')
      .at(-1);
    expect(firstStatus?.patch).toMatchObject({
      status: {
        addresses: [],
        conditions: [
          { type: 'Accepted' },
          { type: 'Programmed', status: 'False' },
          { type: 'ResolvedRefs' },
        ],
      },
    });

    // The Service gets a ClusterIP and a ready endpoint: the Gateway becomes Programmed.
    const svc: Service = {
      metadata: {
        name: 'waypoint',
        namespace: 'bookinfo',
        labels: {
          'gateway.istio.io/managed': 'istio.io-mesh-controller',
          'gateway.networking.k8s.io/gateway-name': 'waypoint',
        },
      },
      spec: { clusterIP: '10.96.7.7', clusterIPs: ['10.96.7.7'] },
    };
    inputs.services.upsert(svc);
    const slice: EndpointSlice = {
      metadata: {
        name: 'waypoint-x',
        namespace: 'bookinfo',
        labels: { 'kubernetes.io/service-name': 'waypoint' },
      },
      endpoints: [{ addresses: ['10.244.1.2'], conditions: { ready: true } }],
      ports: [{ name: 'mesh', port: 15008, protocol: 'TCP' }],
    };
    inputs.endpointSlices.upsert(slice);
    await controller.whenIdle();
    const last = api.patches
      .filter((p) => p.subresource === 'status' && p.type.kind === 'Gateway')
      .at(-1);
    expect(last?.patch).toMatchObject({
      status: {
        addresses: [
          { type: 'IPAddress', value: '10.96.7.7' },
          { type: 'Hostname', value: 'waypoint.bookinfo.svc.cluster.local' },
        ],
        conditions: [
          { type: 'Accepted' },
          { type: 'Programmed', status: 'True' },
          { type: 'ResolvedRefs' },
        ],
      },
    });
    controller.close();
  });

  it('does not take over an object it did not label, nor Gateways of other classes', async () => {
    const { api, inputs, controller } = setup();
    api.seed(
      {
        group: '',
        version: 'v1',
        plural: 'services',
        kind: 'Service',
        namespaced: true,
        crd: false,
      },
      {
        metadata: { name: 'waypoint', namespace: 'bookinfo' },
      },
    );
    inputs.gateways.upsert(gateway());
    inputs.gateways.upsert({
      ...gateway('ingress'),
      spec: { gatewayClassName: 'istio', listeners: [] },
    });
    controller.start();
    await controller.whenIdle();
    const applied = api.patches
      .filter((p) => p.patchType === 'apply')
      .map((p) => `${p.type.kind}/${p.name}`);
    expect(applied).toEqual(['ServiceAccount/waypoint', 'Deployment/waypoint']);
    controller.close();
  });
});
