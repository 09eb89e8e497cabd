// Issue 12, findings 2 and 3, against the whole istiod in process on
// 127.0.0.1: xDS on :15012 over a real gRPC TLS channel (proxies' own
// delta-ADS client), the debug endpoints over real HTTP. The Kubernetes API
// (and so TokenReview) is the in-memory fake; everything else is real.
//
// Before the fix: any client got every resource without a token, and a client
// claiming a waypoint's node.id got its listeners; /debug/syncz answered
// anyone on :15014 and :8080.

import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAttack } from '@ambient-ts/security-table';
import {
  CertificateAuthority,
  createCsr,
  generateWorkloadKey,
  istioIdentity,
} from '@ambient-ts/spiffe';
import { namespace, pod, service, waypointGateway } from './ambient/testing/fixtures.js';
import { fakeTokenReviewer } from './ca/testing/fake-token-review.js';
import { DEBUG_AUTHORIZATION_HEADER } from './debug/debug-auth.js';
import type { Istiod, StartedIstiod } from './istiod.js';
import { RESOURCES } from './kube/resources.js';
import { FakeKubeApi } from './kube/testing/fake-kube-api.js';
import {
  ISTIOD_CHANNEL_OPTIONS,
  istiodTls,
  startLoopbackIstiod,
} from './testing/loopback-istiod.js';
import { RecordingAdsClient } from './xds/testing/recording-ads-client.js';

const XDS = '12.2 xDS authn';
const DEBUG = '12.3 debug endpoints';
const UID = (name: string): string => `Kubernetes//Pod/default/${name}`;
const LISTENER = 'default/ratings.default.svc.cluster.local:9080';
const nodeId = (type: string, ip: string, pod: string, ns: string): string =>
  `${type}~${ip}~${pod}.${ns}~${ns}.svc.cluster.local`;
const ZTUNNEL_NODE = nodeId('ztunnel', '10.0.0.5', 'ztunnel-n1', 'istio-system');
const WAYPOINT_NODE = nodeId('waypoint', '10.244.1.99', 'waypoint-7d9', 'default');

let api: FakeKubeApi;
let istiod: Istiod;
let started: StartedIstiod;
const clients: RecordingAdsClient[] = [];

interface ClientOptions {
  readonly token?: string;
  readonly nodeId: string;
  readonly waypointListeners?: boolean;
  /** A client certificate (PEM chain and key) instead of, or with, a token. */
  readonly certificate?: { chainPem: string; keyPem: string };
}

/** A proxy's delta-ADS client over TLS to :15012, verifying istiod's certificate. */
function proxy(o: ClientOptions): RecordingAdsClient {
  const c = new RecordingAdsClient({
    target: `127.0.0.1:${started.grpc.secure}`,
    credentials: istiodTls(istiod, o.certificate),
    channelOptions: ISTIOD_CHANNEL_OPTIONS,
    nodeId: o.nodeId,
    ...(o.token !== undefined && { token: o.token }),
    ...(o.waypointListeners && { waypointListeners: true }),
  }).start();
  clients.push(c);
  return c;
}

/** The gRPC status the first stream ended with, or 'ready' if it was served. */
async function outcome(c: RecordingAdsClient): Promise<number | 'ready'> {
  await c.waitFor('the stream to be served or refused', () =>
    c.events.some((e) => e.kind === 'ready' || e.kind === 'disconnected'),
  );
  const first = c.events.find((e) => e.kind === 'ready' || e.kind === 'disconnected');
  return first?.kind === 'disconnected' ? (first.code ?? -1) : 'ready';
}

function received(c: RecordingAdsClient): string {
  return `${c.addresses.size} addresses, ${c.authorizations.size} policies, ${c.listeners.size} listeners`;
}

const codeName = (code: number | 'ready'): string =>
  code === 'ready' ? 'served' : `gRPC ${status[code]}`;

async function signedBy(ca: CertificateAuthority, ns: string, sa: string) {
  const key = await generateWorkloadKey();
  const csr = await createCsr(istioIdentity('cluster.local', ns, sa), key);
  const chain = await ca.sign(csr, { identity: istioIdentity('cluster.local', ns, sa) });
  return { chainPem: chain.join(''), keyPem: key.privateKeyPem };
}

beforeAll(async () => {
  api = new FakeKubeApi();
  api.seed(RESOURCES.namespaces, namespace('default'));
  api.seed(RESOURCES.namespaces, namespace('istio-system'));
  api.seed(
    RESOURCES.pods,
    pod('ztunnel-n1', { ns: 'istio-system', ip: '10.0.0.5', sa: 'ztunnel', node: 'node-1' }),
  );
  api.seed(
    RESOURCES.pods,
    pod('productpage', { ip: '10.244.1.10', labels: { app: 'productpage' }, sa: 'bookinfo' }),
  );
  api.seed(RESOURCES.pods, pod('sleep', { ip: '10.244.1.12', sa: 'sleep' }));
  api.seed(
    RESOURCES.pods,
    pod('waypoint-7d9', {
      ip: '10.244.1.99',
      sa: 'waypoint',
      labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
    }),
  );
  api.seed(RESOURCES.gateways, waypointGateway('waypoint'));
  api.seed(
    RESOURCES.services,
    service('ratings', {
      ip: '10.96.0.60',
      labels: { 'istio.io/use-waypoint': 'waypoint' },
      ports: [{ name: 'http', port: 9080, targetPort: 9080 }],
    }),
  );
  api.tokenReviewer = fakeTokenReviewer({
    'ztunnel-token': {
      namespace: 'istio-system',
      serviceAccount: 'ztunnel',
      podName: 'ztunnel-n1',
      podUid: 'uid-ztunnel-n1',
    },
    'waypoint-token': { namespace: 'default', serviceAccount: 'waypoint', podName: 'waypoint-7d9' },
    'sleep-token': { namespace: 'default', serviceAccount: 'sleep', podName: 'sleep' },
    // Not pod-bound (a TokenRequest for the service account): the pod rule decides.
    'default-sa-token': { namespace: 'default', serviceAccount: 'default' },
    'istioctl-token': { namespace: 'istio-system', serviceAccount: 'default' },
    'api-audience-token': {
      namespace: 'istio-system',
      serviceAccount: 'ztunnel',
      audiences: ['https://kubernetes.default.svc'],
    },
  });
  // No GRPC_ADDR: plaintext xDS is off, as by default.
  ({ istiod, started } = await startLoopbackIstiod(api));
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await istiod.close();
});

describe('12.2 xDS on :15012 authenticates every stream and binds it to its proxy', () => {
  it('has no plaintext listener unless --grpcAddr asks for one', () => {
    expect(started.grpc.plaintext).toBeUndefined();
  });

  it.each([
    ['no token', undefined],
    ['a token TokenReview does not know', 'forged-token'],
    ['a token for the API server audience, not istio-ca', 'api-audience-token'],
  ])('refuses a stream with %s: UNAUTHENTICATED, no resources', async (what, token) => {
    const c = proxy({ nodeId: ZTUNNEL_NODE, ...(token !== undefined && { token }) });
    const code = await outcome(c);
    // Long enough for a response to have arrived had one been sent.
    await new Promise((r) => setTimeout(r, 100));

    expect(code).toBe(status.UNAUTHENTICATED);
    expect(c.addresses.size + c.authorizations.size).toBe(0);
    recordAttack({
      finding: XDS,
      attack: `xDS stream with ${what}`,
      sent: `DeltaAggregatedResources over TLS, node ztunnel-n1.istio-system, ${what}`,
      happened: `${codeName(code)}; received ${received(c)}`,
    });
  });

  it('refuses a client certificate from a CA that is not the mesh root: UNAUTHENTICATED', async () => {
    const rogue = await CertificateAuthority.selfSigned({ trustDomain: 'cluster.local' });
    const c = proxy({
      nodeId: ZTUNNEL_NODE,
      certificate: await signedBy(rogue, 'istio-system', 'ztunnel'),
    });
    const code = await outcome(c);

    expect(code).toBe(status.UNAUTHENTICATED);
    expect(c.addresses.size).toBe(0);
    recordAttack({
      finding: XDS,
      attack: 'xDS with a self-made client certificate',
      sent: 'client cert spiffe://cluster.local/ns/istio-system/sa/ztunnel signed by a rogue root, no token',
      happened: `${codeName(code)}; received ${received(c)}`,
    });
  });

  it.each([
    ['a pod-bound token of default/sleep', 'sleep-token'],
    ['a token of default/default (not pod-bound)', 'default-sa-token'],
  ])(
    'refuses %s claiming the waypoint’s node.id: PERMISSION_DENIED, no listener',
    async (what, token) => {
      const c = proxy({ token, nodeId: WAYPOINT_NODE, waypointListeners: true });
      const code = await outcome(c);
      await new Promise((r) => setTimeout(r, 100));

      expect(code).toBe(status.PERMISSION_DENIED);
      expect(c.listeners.size).toBe(0);
      recordAttack({
        finding: XDS,
        attack: `xDS: ${what} claims the waypoint’s node.id`,
        sent: `${what}, node ${WAYPOINT_NODE}, WaypointListener subscription`,
        happened: `${codeName(code)}; received ${received(c)}`,
      });
    },
  );

  it.each([
    ['its own pod as a ztunnel', nodeId('ztunnel', '10.244.1.12', 'sleep', 'default')],
    ['the ztunnel pod of istio-system', ZTUNNEL_NODE],
  ])('refuses a default/sleep token claiming %s: PERMISSION_DENIED', async (what, node) => {
    const c = proxy({ token: 'sleep-token', nodeId: node });
    const code = await outcome(c);
    await new Promise((r) => setTimeout(r, 100));

    expect(code).toBe(status.PERMISSION_DENIED);
    expect(c.addresses.size + c.authorizations.size).toBe(0);
    recordAttack({
      finding: XDS,
      attack: `xDS: default/sleep (not a ztunnel SA) claims ${what}`,
      sent: `pod-bound token of default/sleep, node ${node}`,
      happened: `${codeName(code)}; received ${received(c)}`,
    });
  });

  it('serves the ztunnel with its own service account’s token every workload and policy', async () => {
    const c = proxy({ token: 'ztunnel-token', nodeId: ZTUNNEL_NODE });
    const code = await outcome(c);

    expect(code).toBe('ready');
    await c.waitFor('productpage', () => c.addresses.has(UID('productpage')));
    recordAttack({
      finding: XDS,
      attack: 'xDS: the real ztunnel (control)',
      sent: `pod-bound token of istio-system/ztunnel, node ${ZTUNNEL_NODE}`,
      happened: `${codeName(code)}; received ${received(c)}`,
    });
  });

  it('serves a ztunnel that authenticates with a mesh client certificate instead of a token', async () => {
    const ca = istiod.ca.authority;
    if (!ca) throw new Error('istiod has no CA');
    const c = proxy({
      nodeId: ZTUNNEL_NODE,
      certificate: await signedBy(ca, 'istio-system', 'ztunnel'),
    });

    expect(await outcome(c)).toBe('ready');
    await c.waitFor('productpage', () => c.addresses.has(UID('productpage')));
  });

  it('serves the waypoint its own listener when it connects with its own service account', async () => {
    const c = proxy({ token: 'waypoint-token', nodeId: WAYPOINT_NODE, waypointListeners: true });
    const code = await outcome(c);
    await c.waitFor('the ratings listener', () => c.listeners.has(LISTENER));

    expect(code).toBe('ready');
    expect([...c.listeners.keys()]).toEqual([LISTENER]);
    recordAttack({
      finding: XDS,
      attack: 'xDS: the real waypoint (control)',
      sent: `pod-bound token of default/waypoint, node ${WAYPOINT_NODE}`,
      happened: `${codeName(code)}; received ${received(c)}`,
    });
  });

  it('serves any other authenticated proxy of its own pod what upstream does: addresses and policies, no listener', async () => {
    const c = proxy({
      token: 'sleep-token',
      nodeId: nodeId('sidecar', '10.244.1.12', 'sleep', 'default'),
      waypointListeners: true,
    });

    expect(await outcome(c)).toBe('ready');
    await c.waitFor('productpage', () => c.addresses.has(UID('productpage')));
    expect(c.listeners.size).toBe(0);
  });
});

describe('12.3 debug endpoints need a token of istiod’s namespace', () => {
  const syncz = (port: number, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}/debug/syncz`, { headers });

  it('answers /debug/syncz without a token with 401 on :15014 and 404 on :8080', async () => {
    const monitoring = await syncz(started.monitoringPort);
    const http = await syncz(started.httpPort);
    const body = await monitoring.text();

    expect(monitoring.status).toBe(401);
    expect(body).not.toContain('ztunnel');
    expect(http.status).toBe(404);
    // What stays open: readiness on both, metrics and version on :15014.
    expect((await fetch(`http://127.0.0.1:${started.httpPort}/ready`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${started.monitoringPort}/metrics`)).status).toBe(200);
    recordAttack({
      finding: DEBUG,
      attack: 'read /debug/syncz without a token',
      sent: 'GET /debug/syncz on :15014 and on :8080, no Authorization',
      happened: `:15014 → HTTP ${monitoring.status}, :8080 → HTTP ${http.status}`,
    });
  });

  it.each([
    ['a token of another namespace', 'Bearer sleep-token'],
    ['an unknown token', 'Bearer forged-token'],
  ])('answers %s with 401', async (what, authorization) => {
    const res = await syncz(started.monitoringPort, { authorization });

    expect(res.status).toBe(401);
    recordAttack({
      finding: DEBUG,
      attack: `read /debug/syncz with ${what}`,
      sent: `GET /debug/syncz on :15014, Authorization: ${authorization.replace(/ .*/, ' <token>')} (${what})`,
      happened: `HTTP ${res.status}`,
    });
  });

  it('serves /debug/syncz to a token of istiod’s namespace, in either header', async () => {
    const c = proxy({ token: 'ztunnel-token', nodeId: ZTUNNEL_NODE });
    await outcome(c);
    const direct = await syncz(started.monitoringPort, { authorization: 'Bearer istioctl-token' });
    // Through the API server's pod proxy, which drops Authorization.
    const proxied = await syncz(started.monitoringPort, {
      [DEBUG_AUTHORIZATION_HEADER]: 'Bearer istioctl-token',
    });
    const body = (await direct.json()) as { proxy: string }[];

    expect(direct.status).toBe(200);
    expect(proxied.status).toBe(200);
    expect(body.some((s) => s.proxy === ZTUNNEL_NODE)).toBe(true);
    recordAttack({
      finding: DEBUG,
      attack: 'read /debug/syncz as istioctl (control)',
      sent: 'GET /debug/syncz on :15014 with a TokenRequest token of istio-system/default',
      happened: `HTTP ${direct.status} (Authorization), HTTP ${proxied.status} (${DEBUG_AUTHORIZATION_HEADER}); ${body.length} proxies listed`,
    });
  });
});
