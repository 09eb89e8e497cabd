// istiod against a real kube-apiserver (tools/local-cluster: etcd,
// apiserver, controller-manager, scheduler; no kubelets — the test plays
// kubelet for the pods it needs), with the CRDs we ship installed, so the API
// server admits exactly what a real install admits. Covers the informers, WDS
// over delta ADS with a real xDS client, status written back, the CA with
// real projected tokens and TokenReview, root-cert distribution, the waypoint
// deployment controller, and bad input (bad-input-cases.ts). Needs Linux and
// root; elsewhere it says why it did not run.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node's request
   bodies (TokenRequest, Binding) are plain JSON; its model classes carry no behaviour. */

import { credentials, Metadata, status } from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCluster,
  destroyCluster,
  localClusterUnsupportedReason,
  type LocalCluster,
} from '@ambient-ts/local-cluster';
import {
  createCsr,
  generateWorkloadKey,
  istioIdentity,
  parseTrustDomain,
} from '@ambient-ts/spiffe';
import { ca as caProto, IstioCertificateServiceClient } from '@ambient-ts/xds-types';
import { loadConfig } from '../src/config.js';
import { Istiod, type StartedIstiod } from '../src/istiod.js';
import { HttpKubeApi } from '../src/kube/http-kube-api.js';
import type { ConfigMap, KubeObject, Pod, Service } from '../src/kube/objects.js';
import { RESOURCES } from '../src/kube/resources.js';
import { RecordingAdsClient } from '../src/xds/testing/recording-ads-client.js';
import { describeBadInput } from './bad-input-cases.js';
import {
  ensureNamespace,
  ensureServiceAccount,
  fakeNodes,
  markRunning,
  runPod,
  until,
} from './support/cluster-helpers.js';
import { LogRecorder } from './support/log-recorder.js';
import { installShippedCrds } from './support/shipped-crds.js';

const unsupported = await localClusterUnsupportedReason();
if (unsupported)
  console.warn(`[istiod] integration tests against a real API server NOT RUN: ${unsupported}`);

const NAME = `istiod-it-${process.pid}`;
const NS = 'bookinfo';
const uid = (name: string, ns = NS): string => `Kubernetes//Pod/${ns}/${name}`;

describe.skipIf(unsupported !== undefined)('istiod against a real API server (root, Linux)', () => {
  let cluster: LocalCluster;
  let api: HttpKubeApi;
  let core: CoreV1Api;
  let istiod: Istiod;
  let started: StartedIstiod;
  let nodes: { stop(): void };
  const logs = new LogRecorder();
  const clients: RecordingAdsClient[] = [];
  const client = (
    o: Partial<ConstructorParameters<typeof RecordingAdsClient>[0]> = {},
  ): RecordingAdsClient => {
    const c = new RecordingAdsClient({
      target: `127.0.0.1:${started.grpc.plaintext}`,
      ...o,
    }).start();
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await createCluster({
      name: NAME,
      nodes: 2,
      startKubelets: false,
      ownerPid: process.pid,
      progress: () => undefined,
    });
    const kc = cluster.kubeConfig();
    api = new HttpKubeApi(kc);
    core = kc.makeApiClient(CoreV1Api);
    await installShippedCrds(api);
    nodes = await fakeNodes(api, ['node-1', 'node-2']);
    await ensureNamespace(api, 'istio-system');
    await ensureNamespace(api, NS, { 'istio.io/dataplane-mode': 'ambient' });
    for (const [ns, sa] of [
      ['istio-system', 'ztunnel'],
      // istioctl's token for /debug/ is one of istio-system/default.
      ['istio-system', 'default'],
      [NS, 'productpage'],
      [NS, 'reviews'],
      [NS, 'ratings'],
    ] as const) {
      await ensureServiceAccount(api, ns, sa);
    }
    await runPod(api, NS, 'productpage-v1', {
      node: 'node-1',
      ip: '10.244.1.10',
      serviceAccount: 'productpage',
      labels: { app: 'productpage', version: 'v1' },
      annotations: { 'ambient.istio.io/redirection': 'enabled' },
    });
    await runPod(api, NS, 'reviews-v1', {
      node: 'node-2',
      ip: '10.244.2.10',
      serviceAccount: 'reviews',
      labels: { app: 'reviews', version: 'v1' },
      ports: [{ name: 'http', containerPort: 9080 }],
    });
    await api.create<Service>(RESOURCES.services, {
      metadata: { name: 'reviews', namespace: NS },
      spec: {
        selector: { app: 'reviews' },
        ports: [{ name: 'http', port: 9080, targetPort: 'http' }],
      },
    });

    const config = loadConfig(
      {
        GRPC_ADDR: '127.0.0.1:0',
        SECURE_GRPC_ADDR: '127.0.0.1:0',
        MONITORING_ADDR: '127.0.0.1:0',
        HTTP_ADDR: '127.0.0.1:0',
        PILOT_DEBOUNCE_AFTER: '10ms',
        POD_NAMESPACE: 'istio-system',
      },
      [],
    );
    istiod = new Istiod({ config, api, logger: logs.logger });
    started = await istiod.start();
  }, 45 * 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await istiod?.close();
    nodes?.stop();
    api?.close();
    await destroyCluster(NAME, () => undefined);
  }, 120_000);

  it('serves the cluster’s workloads and services over delta ADS, then deltas and removals as objects change', async () => {
    const c = client();
    await c.client.whenReady();
    await c.waitFor(
      'pods and the service',
      () =>
        c.addresses.has(uid('productpage-v1')) &&
        c.addresses.has(`${NS}/reviews.${NS}.svc.cluster.local`),
    );
    const pp = c.addresses.get(uid('productpage-v1'));
    expect(pp?.type.case === 'workload' && pp.type.value).toMatchObject({
      tunnelProtocol: 1,
      node: 'node-1',
      serviceAccount: 'productpage',
    });
    const reviews = c.addresses.get(uid('reviews-v1'));
    const ports =
      reviews?.type.case === 'workload'
        ? reviews.type.value.services[`${NS}/reviews.${NS}.svc.cluster.local`]?.ports
        : [];
    expect(ports?.map((p) => [p.servicePort, p.targetPort])).toEqual([[9080, 9080]]);

    const before = c.updates.length;
    await runPod(api, NS, 'ratings-v1', {
      node: 'node-1',
      ip: '10.244.1.11',
      serviceAccount: 'ratings',
      labels: { app: 'ratings' },
    });
    await c.waitFor('ratings', () => c.addresses.has(uid('ratings-v1')));
    const addressUpdates = c.updates.slice(before).filter((u) => u.typeUrl.endsWith('Address'));
    expect(addressUpdates.flatMap((u) => u.added)).toEqual([uid('ratings-v1')]);
    // No kubelet confirms a graceful deletion: delete immediately, as a kubelet would finish it.
    await core.deleteNamespacedPod({ name: 'ratings-v1', namespace: NS, gracePeriodSeconds: 0 });
    await c.waitFor('ratings removal', () => !c.addresses.has(uid('ratings-v1')));
  });

  it('sends AuthorizationPolicies, writes ZtunnelAccepted, and a NACK keeps istiod’s state for that client only', async () => {
    const good = client();
    const picky = client({
      nodeId: 'ztunnel~10.0.0.2~ztunnel-picky.istio-system~istio-system.svc.cluster.local',
      reject: (n) => n === `${NS}/deny-admin`,
    });
    await Promise.all([good.client.whenReady(), picky.client.whenReady()]);
    await api.create(RESOURCES.authorizationPolicies, {
      metadata: { name: 'deny-admin', namespace: NS },
      spec: {
        selector: { matchLabels: { app: 'reviews' } },
        action: 'DENY',
        rules: [{ to: [{ operation: { ports: ['15000'] } }] }],
      },
    });
    await good.waitFor('deny-admin', () => good.authorizations.has(`${NS}/deny-admin`));
    await good.waitFor('reviews lists it', () => {
      const w = good.addresses.get(uid('reviews-v1'));
      return (
        w?.type.case === 'workload' &&
        w.type.value.authorizationPolicies.includes(`${NS}/deny-admin`)
      );
    });
    const nacked = await until('the NACK recorded by istiod', () =>
      istiod.xds.ads
        .snapshot()
        .find((s) => s.proxyId.includes('ztunnel-picky'))
        ?.types.find((t) => t.typeUrl.endsWith('Authorization') && t.state === 'nacked'),
    );
    expect(nacked.ackedVersions).not.toHaveProperty(`${NS}/deny-admin`);
    const policy = await until('ZtunnelAccepted on the policy', async () => {
      const p = await api.get(RESOURCES.authorizationPolicies, 'deny-admin', NS);
      const conds =
        (p?.status as { conditions?: { type: string }[] } | undefined)?.conditions ?? [];
      return conds.some((c) => c.type === 'ZtunnelAccepted') ? p : undefined;
    });
    expect((policy.status as { conditions: unknown[] }).conditions).toContainEqual(
      expect.objectContaining({
        type: 'ZtunnelAccepted',
        status: 'True',
        reason: 'Accepted',
        message: 'attached to ztunnel',
      }),
    );
  });

  it('enforces a malformed AuthorizationPolicy fail-closed with an Invalid status, without crashing', async () => {
    const c = client();
    await c.client.whenReady();
    await api.create(RESOURCES.authorizationPolicies, {
      metadata: { name: 'broken', namespace: NS },
      spec: {
        selector: { matchLabels: { app: 'productpage' } },
        action: 'DENY',
        rules: [{ from: [{ source: { ipBlocks: ['300.1.1.1/99'] } }] }],
      },
    });
    await c.waitFor('the fail-closed stand-in', () => c.authorizations.has(`${NS}/broken`));
    expect(c.authorizations.get(`${NS}/broken`)?.rules[0]?.clauses).toEqual([]);
    await until('an Invalid ZtunnelAccepted', async () => {
      const p = await api.get(RESOURCES.authorizationPolicies, 'broken', NS);
      return (
        (p?.status as { conditions?: { type: string; reason: string }[] } | undefined)
          ?.conditions ?? []
      ).some((x) => x.type === 'ZtunnelAccepted' && x.reason === 'Invalid');
    });
    expect(istiod.notReadyReason()).toBeUndefined();
  });

  it('publishes the root certificate to every namespace and keeps the self-signed root in istio-ca-secret', async () => {
    const root = istiod.ca.authority?.rootCertPem;
    for (const ns of ['default', 'kube-system', 'istio-system', NS]) {
      const cm = await until(`istio-ca-root-cert in ${ns}`, () =>
        api.get<ConfigMap>(RESOURCES.configMaps, 'istio-ca-root-cert', ns),
      );
      expect(cm.data?.['root-cert.pem']).toBe(root);
      expect(cm.metadata.labels?.['istio.io/config']).toBe('true');
    }
    expect(
      await api.get(RESOURCES.configMaps, 'istio-ca-root-cert', 'kube-node-lease'),
    ).toBeUndefined();
    const secret = await api.get<KubeObject & { type?: string }>(
      RESOURCES.secrets,
      'istio-ca-secret',
      'istio-system',
    );
    expect(secret?.type).toBe('istio.io/ca-root');
    // A deleted ConfigMap comes back.
    await api.delete(RESOURCES.configMaps, 'istio-ca-root-cert', NS);
    await until('the ConfigMap restored', () =>
      api.get(RESOURCES.configMaps, 'istio-ca-root-cert', NS),
    );
  });

  describe('the CA with real projected tokens', () => {
    let caClient: IstioCertificateServiceClient;
    let csr: string;
    let ztunnelToken: string;

    beforeAll(async () => {
      const root = istiod.ca.authority?.rootCertPem ?? '';
      caClient = new IstioCertificateServiceClient(
        `127.0.0.1:${started.grpc.secure}`,
        credentials.createSsl(Buffer.from(root)),
        {
          'grpc.ssl_target_name_override': 'istiod.istio-system.svc',
          'grpc.default_authority': 'istiod.istio-system.svc',
        },
      );
      csr = await createCsr(
        istioIdentity(parseTrustDomain('cluster.local'), NS, 'productpage'),
        await generateWorkloadKey(),
      );
      const zt = await runPod(api, 'istio-system', 'ztunnel-node1', {
        node: 'node-1',
        ip: '10.244.1.2',
        serviceAccount: 'ztunnel',
        labels: { app: 'ztunnel' },
      });
      ztunnelToken = await token('istio-system', 'ztunnel', ['istio-ca'], zt);
    });
    afterAll(() => {
      caClient?.close();
    });

    async function token(ns: string, sa: string, audiences: string[], pod?: Pod): Promise<string> {
      const tr = await core.createNamespacedServiceAccountToken({
        name: sa,
        namespace: ns,
        body: {
          spec: {
            audiences,
            expirationSeconds: 3600,
            ...(pod && {
              boundObjectRef: {
                apiVersion: 'v1',
                kind: 'Pod',
                name: pod.metadata.name ?? '',
                uid: pod.metadata.uid ?? '',
              },
            }),
          },
        },
      });
      return tr.status?.token ?? '';
    }

    function sign(
      tok: string | undefined,
      impersonate?: string,
    ): Promise<caProto.IstioCertificateResponse> {
      const md = new Metadata();
      if (tok !== undefined) md.set('authorization', `Bearer ${tok}`);
      return caClient.createCertificate(
        create(caProto.IstioCertificateRequestSchema, {
          csr,
          validityDuration: 3600n,
          ...(impersonate && { metadata: { ImpersonatedIdentity: impersonate } }),
        }),
        md,
      );
    }

    const unauthenticated = (details: string): unknown =>
      expect.objectContaining({ code: status.UNAUTHENTICATED, details }) as unknown;

    it('signs for a workload presenting its own istio-ca token', async () => {
      const before = await istiod.metrics.registry.getSingleMetricAsString(
        'citadel_server_success_cert_issuance_count',
      );
      const res = await sign(await token(NS, 'productpage', ['istio-ca']));
      expect(res.certChain).toHaveLength(2);
      expect(res.certChain[1]).toBe(istiod.ca.authority?.rootCertPem);
      expect(before).not.toBe(
        await istiod.metrics.registry.getSingleMetricAsString(
          'citadel_server_success_cert_issuance_count',
        ),
      );
    });

    it('lets ztunnel impersonate a service account with a pod on its node', async () => {
      const res = await sign(ztunnelToken, `spiffe://cluster.local/ns/${NS}/sa/productpage`);
      const { X509Certificate } = await import('node:crypto');
      expect(new X509Certificate(res.certChain[0] ?? '').subjectAltName).toBe(
        `URI:spiffe://cluster.local/ns/${NS}/sa/productpage`,
      );
    });

    it('refuses no token, a wrong audience, foreign impersonation and a service account not on the node — and signs nothing', async () => {
      const count = async () =>
        istiod.metrics.registry.getSingleMetricAsString(
          'citadel_server_success_cert_issuance_count',
        );
      const before = await count();
      await expect(sign(undefined)).rejects.toEqual(
        unauthenticated('request authenticate failure'),
      );
      await expect(
        sign(await token(NS, 'productpage', ['kubernetes.default.svc'])),
      ).rejects.toEqual(unauthenticated('request authenticate failure'));
      // An ordinary workload may not impersonate.
      await expect(
        sign(
          await token(NS, 'productpage', ['istio-ca']),
          `spiffe://cluster.local/ns/${NS}/sa/reviews`,
        ),
      ).rejects.toEqual(unauthenticated('request impersonation authentication failure'));
      // reviews runs on node-2 only; this ztunnel is on node-1.
      await expect(
        sign(ztunnelToken, `spiffe://cluster.local/ns/${NS}/sa/reviews`),
      ).rejects.toEqual(unauthenticated('request impersonation authentication failure'));
      expect(await count()).toBe(before);
    });

    it('serves xDS on :15012 to the ztunnel’s real pod-bound token, and refuses a workload token claiming that ztunnel (PERMISSION_DENIED)', async () => {
      const root = istiod.ca.authority?.rootCertPem ?? '';
      const secure = (token: string): RecordingAdsClient =>
        client({
          target: `127.0.0.1:${started.grpc.secure}`,
          credentials: credentials.createSsl(Buffer.from(root)),
          channelOptions: {
            'grpc.ssl_target_name_override': 'istiod.istio-system.svc',
            'grpc.default_authority': 'istiod.istio-system.svc',
          },
          nodeId: 'ztunnel~10.244.1.2~ztunnel-node1.istio-system~istio-system.svc.cluster.local',
          token,
        });
      const first = (c: RecordingAdsClient) =>
        c.events.find((e) => e.kind === 'ready' || e.kind === 'disconnected');
      const zt = secure(ztunnelToken);
      await zt.client.whenReady();
      expect(zt.addresses.size).toBeGreaterThan(0);
      const impostor = secure(await token(NS, 'productpage', ['istio-ca']));
      await impostor.waitFor('a refusal', () => first(impostor) !== undefined);
      expect(first(impostor)).toMatchObject({
        kind: 'disconnected',
        code: status.PERMISSION_DENIED,
      });
      expect(impostor.addresses.size).toBe(0);
    });
  });

  it('deploys a waypoint for a Gateway, programs it, binds services to it, and garbage-collects it on delete', async () => {
    await api.create(RESOURCES.gateways, {
      metadata: { name: 'waypoint', namespace: NS, labels: { 'istio.io/waypoint-for': 'service' } },
      spec: {
        gatewayClassName: 'istio-waypoint',
        listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      },
    });
    const cls = await until('GatewayClass istio-waypoint accepted', async () => {
      const c = await api.get(RESOURCES.gatewayClasses, 'istio-waypoint');
      return (
        (c?.status as { conditions?: { type: string; status: string }[] } | undefined)
          ?.conditions ?? []
      ).some((x) => x.type === 'Accepted' && x.status === 'True')
        ? c
        : undefined;
    });
    expect(cls.spec).toMatchObject({ controllerName: 'istio.io/mesh-controller' });
    const deployment = await until('the waypoint Deployment', () =>
      api.get(RESOURCES.deployments, 'waypoint', NS),
    );
    expect(deployment.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Gateway',
      name: 'waypoint',
    });
    expect(deployment.metadata.labels).toMatchObject({
      'gateway.istio.io/managed': 'istio.io-mesh-controller',
    });
    const svc = await until('the waypoint Service', () =>
      api.get<Service>(RESOURCES.services, 'waypoint', NS),
    );
    expect(svc.spec?.ports?.map((p) => `${p.name}:${p.port}`)).toEqual([
      'status-port:15021',
      'mesh:15008',
    ]);
    await until('the waypoint ServiceAccount', () =>
      api.get(RESOURCES.serviceAccounts, 'waypoint', NS),
    );

    // Play kubelet: bind the ReplicaSet's pod to node-1 and report it Ready.
    const wpPod = await until(
      'the waypoint pod',
      async () =>
        (
          await api.list<Pod>(RESOURCES.pods, {
            namespace: NS,
            labelSelector: 'gateway.networking.k8s.io/gateway-name=waypoint',
          })
        ).items[0],
    );
    expect(wpPod.metadata.labels?.['istio.io/dataplane-mode']).toBe('none');
    if (!wpPod.spec?.nodeName) {
      await core.createNamespacedPodBinding({
        name: wpPod.metadata.name ?? '',
        namespace: NS,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: wpPod.metadata.name ?? '' },
          target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
        },
      });
    }
    await markRunning(api, NS, wpPod.metadata.name ?? '', '10.244.1.50');
    const programmed = await until(
      'the Gateway Programmed',
      async () => {
        const gw = await api.get(RESOURCES.gateways, 'waypoint', NS);
        const st = gw?.status as
          | {
              conditions?: { type: string; status: string; message: string }[];
              addresses?: { type: string; value: string }[];
            }
          | undefined;
        return st?.conditions?.some((c) => c.type === 'Programmed' && c.status === 'True')
          ? st
          : undefined;
      },
      60_000,
    );
    expect(programmed.conditions?.find((c) => c.type === 'Programmed')?.message).toBe(
      `Resource programmed, assigned to service(s) waypoint.${NS}.svc.cluster.local:15008`,
    );
    expect(programmed.addresses).toEqual([
      { type: 'IPAddress', value: svc.spec?.clusterIP },
      { type: 'Hostname', value: `waypoint.${NS}.svc.cluster.local` },
    ]);

    // Enroll the namespace: reviews binds to the waypoint, with its condition written.
    await ensureNamespace(api, NS, {
      'istio.io/dataplane-mode': 'ambient',
      'istio.io/use-waypoint': 'waypoint',
    });
    const bound = await until('WaypointBound on reviews', async () => {
      const s = await api.get<Service>(RESOURCES.services, 'reviews', NS);
      return s?.status?.conditions?.find(
        (c) => c.type === 'istio.io/WaypointBound' && c.status === 'True',
      );
    });
    expect(bound).toMatchObject({
      reason: 'WaypointAccepted',
      message: `Successfully attached to waypoint ${NS}/waypoint`,
    });
    const c = client();
    await c.client.whenReady();
    await c.waitFor('reviews with its waypoint', () => {
      const s = c.addresses.get(`${NS}/reviews.${NS}.svc.cluster.local`);
      return s?.type.case === 'service' && s.type.value.waypoint !== undefined;
    });

    await api.delete(RESOURCES.gateways, 'waypoint', NS);
    await until(
      'the Deployment garbage-collected',
      async () => (await api.get(RESOURCES.deployments, 'waypoint', NS)) === undefined,
      60_000,
    );
    await until(
      'the Service garbage-collected',
      async () => (await api.get(RESOURCES.services, 'waypoint', NS)) === undefined,
      60_000,
    );
  }, 180_000);

  it('serves /ready, and /debug/syncz to a token of istio-system (401 without), for the connected proxies', async () => {
    const base = `http://127.0.0.1:${started.monitoringPort}`;
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/debug/syncz`)).status).toBe(401);
    // As istioctl does: a TokenRequest for istio-system/default, audience istio-ca.
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'default',
      namespace: 'istio-system',
      body: { spec: { audiences: ['istio-ca'], expirationSeconds: 3600 } },
    });
    const headers = { authorization: `Bearer ${tr.status?.token ?? ''}` };
    type Syncz = { proxy: string; types: { short_name: string; status: string }[] }[];
    // A push still settling from the previous test (the waypoint's pod being
    // garbage-collected) shows as STALE until its ACK: poll for SYNCED.
    const sync = await until('a proxy with WDS SYNCED', async () => {
      const s = (await (await fetch(`${base}/debug/syncz`, { headers })).json()) as Syncz;
      return s.some((p) => p.types.some((t) => t.short_name === 'WDS' && t.status === 'SYNCED'))
        ? s
        : undefined;
    });
    expect(sync.length).toBeGreaterThan(0);
    expect(sync.every((p) => p.types.some((t) => t.short_name === 'WDS'))).toBe(true);
  });

  describeBadInput(() => ({ api, istiod, logs, client }));
});
