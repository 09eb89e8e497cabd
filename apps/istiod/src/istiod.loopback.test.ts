// The whole istiod in process on 127.0.0.1: real gRPC (plaintext and TLS),
// real CA, the delta-ADS runtime, test xDS clients from xds-types — with the
// Kubernetes API replaced by an in-memory fake whose watches the test drives.

import { Metadata, status } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCsr,
  generateWorkloadKey,
  istioIdentity,
  parseTrustDomain,
} from '@ambient-ts/spiffe';
import { ca as caProto, IstioCertificateServiceClient } from '@ambient-ts/xds-types';
import {
  pod,
  service,
  namespace,
  authorizationPolicy,
  waypointGateway,
} from './ambient/testing/fixtures.js';
import { fakeTokenReviewer } from './ca/testing/fake-token-review.js';
import type { Istiod, StartedIstiod } from './istiod.js';
import { RESOURCES } from './kube/resources.js';
import { FakeKubeApi } from './kube/testing/fake-kube-api.js';
import type { ConfigMap, KubeObject } from './kube/objects.js';
import {
  ISTIOD_CHANNEL_OPTIONS,
  istiodTls,
  startLoopbackIstiod,
} from './testing/loopback-istiod.js';
import { RecordingAdsClient } from './xds/testing/recording-ads-client.js';

const UID = (name: string): string => `Kubernetes//Pod/default/${name}`;

let api: FakeKubeApi;
let istiod: Istiod;
let started: StartedIstiod;
const clients: RecordingAdsClient[] = [];

function client(
  o: ConstructorParameters<typeof RecordingAdsClient>[0] extends infer T ? Partial<T> : never = {},
): RecordingAdsClient {
  const c = new RecordingAdsClient({ target: `127.0.0.1:${started.grpc.plaintext}`, ...o }).start();
  clients.push(c);
  return c;
}

beforeAll(async () => {
  api = new FakeKubeApi();
  api.seed(RESOURCES.namespaces, namespace('default'));
  api.seed(RESOURCES.namespaces, namespace('istio-system'));
  api.seed(
    RESOURCES.pods,
    pod('productpage', { ip: '10.244.1.10', labels: { app: 'productpage' }, node: 'node-1' }),
  );
  api.seed(
    RESOURCES.pods,
    pod('ratings', { ip: '10.244.2.20', labels: { app: 'ratings' }, node: 'node-2' }),
  );
  api.seed(
    RESOURCES.services,
    service('productpage', { ip: '10.96.0.50', selector: { app: 'productpage' } }),
  );
  api.tokenReviewer = fakeTokenReviewer({
    'sleep-token': { namespace: 'default', serviceAccount: 'sleep' },
    'ztunnel-token': { namespace: 'istio-system', serviceAccount: 'ztunnel' },
    'istioctl-token': { namespace: 'istio-system', serviceAccount: 'default' },
  });
  // Plaintext (development) xDS on too; off by default.
  ({ istiod, started } = await startLoopbackIstiod(api, { plaintextXds: true }));
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await istiod.close();
});

describe('istiod in process', () => {
  it('serves a wildcard client every workload and service, and an empty Authorization response so it becomes ready', async () => {
    const c = client();
    await c.client.whenReady();
    expect([...c.addresses.keys()].sort()).toEqual([
      UID('productpage'),
      UID('ratings'),
      'default/productpage.default.svc.cluster.local',
    ]);
    expect(c.authorizations.size).toBe(0);
    expect(
      c.updates.some(
        (u) => u.typeUrl.endsWith('istio.security.Authorization') && u.added.length === 0,
      ),
    ).toBe(true);
  });

  it('pushes only the changed name as a delta, then its removal', async () => {
    const c = client();
    await c.client.whenReady();
    const before = c.updates.length;
    api.emit('pods', {
      type: 'ADDED',
      object: pod('details', { ip: '10.244.1.11', node: 'node-1' }),
    });
    await c.waitFor('details to arrive', () => c.addresses.has(UID('details')));
    const delta = c.updates.slice(before).filter((u) => u.typeUrl.endsWith('Address'));
    expect(delta).toEqual([
      {
        typeUrl: 'type.googleapis.com/istio.workload.Address',
        added: [UID('details')],
        removed: [],
      },
    ]);
    api.emit('pods', { type: 'DELETED', object: pod('details', { ip: '10.244.1.11' }) });
    await c.waitFor('details to be removed', () => !c.addresses.has(UID('details')));
    expect(c.updates.at(-1)).toEqual({
      typeUrl: 'type.googleapis.com/istio.workload.Address',
      added: [],
      removed: [UID('details')],
    });
  });

  it('sends policies as they appear, and a NACK keeps that client’s acknowledged state while others move on', async () => {
    const good = client();
    const picky = client({
      nodeId: 'ztunnel~10.0.0.2~ztunnel-picky.istio-system~istio-system.svc.cluster.local',
      reject: (n) => n === 'default/deny-bad',
    });
    await Promise.all([good.client.whenReady(), picky.client.whenReady()]);
    api.emit('authorizationpolicies', {
      type: 'ADDED',
      object: authorizationPolicy('deny-bad', {
        action: 'DENY',
        rules: [{ to: [{ operation: { ports: ['8080'] } }] }],
      }),
    });
    await good.waitFor('the policy', () => good.authorizations.has('default/deny-bad'));
    await picky.waitFor('the NACK', () => picky.events.some((e) => e.kind === 'nacked'));
    expect(picky.authorizations.has('default/deny-bad')).toBe(false);
    const state = (proxy: string) =>
      istiod.xds.ads
        .snapshot()
        .find((s) => s.proxyId.includes(proxy))
        ?.types.find((t) => t.typeUrl.endsWith('istio.security.Authorization'));
    for (let i = 0; i < 100 && state('ztunnel-picky')?.state !== 'nacked'; i += 1) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(state('ztunnel-picky')).toMatchObject({
      state: 'nacked',
      lastNackError: 'rejected default/deny-bad',
    });
    expect(state('ztunnel-picky')?.ackedVersions).not.toHaveProperty('default/deny-bad');
    // The NACKed client still receives unrelated changes.
    api.emit('pods', {
      type: 'ADDED',
      object: pod('reviews', { ip: '10.244.2.30', node: 'node-2' }),
    });
    await picky.waitFor('reviews after the NACK', () => picky.addresses.has(UID('reviews')));
  });

  it('answers a named (on-demand) subscription with what it names plus its node’s own workloads', async () => {
    const c = client({
      nodeId: 'ztunnel~10.0.0.3~ztunnel-n1.istio-system~istio-system.svc.cluster.local',
      metadata: { NODE_NAME: 'node-2' },
      addressNames: ['/10.96.0.50'],
    });
    await c.client.whenReady();
    await c.waitFor('the named service and node-2 workloads', () =>
      c.addresses.has('default/productpage.default.svc.cluster.local'),
    );
    const names = [...c.addresses.keys()].sort();
    expect(names).toContain(UID('ratings'));
    expect(names).toContain(UID('productpage')); // member of the subscribed service
    expect(names).not.toContain(UID('details'));
  });

  it('serves xDS and the CA over TLS with istiod’s certificate for istiod.istio-system.svc', async () => {
    const root = istiod.ca.authority?.rootCertPem ?? '';
    const tls = istiodTls(istiod);
    const channelOptions = ISTIOD_CHANNEL_OPTIONS;
    const c = client({
      target: `127.0.0.1:${started.grpc.secure}`,
      token: 'ztunnel-token',
      credentials: tls,
      channelOptions,
    });
    await c.client.whenReady();
    expect(c.addresses.size).toBeGreaterThan(0);

    const caClient = new IstioCertificateServiceClient(
      `127.0.0.1:${started.grpc.secure}`,
      tls,
      channelOptions,
    );
    const key = await generateWorkloadKey();
    const csr = await createCsr(
      istioIdentity(parseTrustDomain('cluster.local'), 'default', 'sleep'),
      key,
    );
    const md = new Metadata();
    md.set('authorization', 'Bearer sleep-token');
    const res = await caClient.createCertificate(
      create(caProto.IstioCertificateRequestSchema, { csr, validityDuration: 3600n }),
      md,
    );
    expect(res.certChain.at(-1)).toBe(root);
    await expect(
      caClient.createCertificate(
        create(caProto.IstioCertificateRequestSchema, { csr }),
        new Metadata(),
      ),
    ).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
      details: 'request authenticate failure',
    });
    caClient.close();
  });

  it('publishes istio-ca-root-cert into every namespace', async () => {
    const cms = () => [...(api.objects.get('configmaps')?.values() ?? [])] as ConfigMap[];
    for (let i = 0; i < 100 && cms().length < 2; i += 1)
      await new Promise((r) => setTimeout(r, 20));
    expect(
      cms()
        .map((c) => c.metadata.namespace)
        .sort(),
    ).toEqual(['default', 'istio-system']);
    expect(cms()[0]?.data?.['root-cert.pem']).toBe(istiod.ca.authority?.rootCertPem);
    const secret = api.objects.get('secrets')?.get('istio-system/istio-ca-secret') as KubeObject & {
      type?: string;
    };
    expect(secret.type).toBe('istio.io/ca-root');
  });

  it('serves waypoint L7 listeners only to the waypoint they belong to', async () => {
    api.emit('gateways', { type: 'ADDED', object: waypointGateway('waypoint') });
    api.emit('pods', {
      type: 'ADDED',
      object: pod('waypoint-7d9', {
        ip: '10.244.1.99',
        labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
      }),
    });
    api.emit('services', {
      type: 'ADDED',
      object: service('ratings', {
        ip: '10.96.0.60',
        labels: { 'istio.io/use-waypoint': 'waypoint' },
        ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
      }),
    });
    const wp = client({
      nodeId: 'waypoint~10.244.1.99~waypoint-7d9.default~default.svc.cluster.local',
      waypointListeners: true,
    });
    const zt = client({
      nodeId: 'ztunnel~10.0.0.7~ztunnel-x.istio-system~istio-system.svc.cluster.local',
      waypointListeners: true,
    });
    await Promise.all([wp.client.whenReady(), zt.client.whenReady()]);
    await wp.waitFor('the ratings listener', () =>
      wp.listeners.has('default/ratings.default.svc.cluster.local:9080'),
    );
    expect([...wp.listeners.keys()]).toEqual(['default/ratings.default.svc.cluster.local:9080']);
    expect(zt.listeners.size).toBe(0);
  });

  it('exposes /ready, /metrics and (to istioctl’s token) /debug/syncz on the monitoring port', async () => {
    const base = `http://127.0.0.1:${started.monitoringPort}`;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    // The Deployment's readiness probe asks upstream's :8080 (--httpAddr).
    expect((await fetch(`http://127.0.0.1:${started.httpPort}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/pilot_xds_pushes\{type="wds"\} \d+/);
    expect(metrics).toMatch(/citadel_server_csr_count \d+/);
    expect(metrics).toMatch(/pilot_xds\{version="unknown"\} \d+/);
    const sync = (await (
      await fetch(`${base}/debug/syncz`, { headers: { authorization: 'Bearer istioctl-token' } })
    ).json()) as {
      proxy: string;
      istio_version: string;
      types: { short_name: string; status: string }[];
    }[];
    const first = sync.find((s) => s.proxy.startsWith('ztunnel~10.0.0.1'));
    // What `istioctl version` counts as the data plane version.
    expect(first?.istio_version).toBe('1.30.0');
    expect(first?.types.map((t) => t.short_name).sort()).toEqual(['WADS', 'WDS']);
  });
});
