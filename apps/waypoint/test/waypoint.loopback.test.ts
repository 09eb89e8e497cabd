// The waypoint end to end on loopback (ARCHITECTURE.md §4, tier 2): a real
// Waypoint gets its WDS and WaypointListeners over delta ADS and its own
// certificate from a stand-in istiod (real gRPC, real CA core), terminates
// HBONE from a client presenting a workload identity, runs the L7 plan and
// originates HBONE to stand-in destination ztunnels (real HBONE servers in
// front of plain HTTP apps). Every hop is real TLS 1.3 + HTTP/2 CONNECT on
// 127.0.0.0/8 addresses.

import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type Server,
} from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { create } from '@bufbuild/protobuf';
import {
  ConnectStatusError,
  createHboneServer,
  HbonePool,
  type HboneServer,
} from '@ambient-ts/hbone';
import { IstiodStandIn } from '@ambient-ts/istiod-client/testing';
import {
  createCsr,
  generateWorkloadKey,
  istioIdentity,
  type CertificateAuthority,
} from '@ambient-ts/spiffe';
import { waypoint as wp, workload as wl } from '@ambient-ts/xds-types';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { Waypoint } from '../src/waypoint.js';

const NS = 'default';
const TD = 'cluster.local';
const REVIEWS_VIP = '198.18.0.10';
const REVIEWS_HOST = `reviews.${NS}.svc.cluster.local`;
const WAYPOINT_IP = '127.0.0.20';
const V1_IP = '127.0.0.11';
const V2_IP = '127.0.0.12';
const uid = (name: string): string => `Kubernetes//Pod/${NS}/${name}`;
const ipBytes = (ip: string): Uint8Array => Uint8Array.from(ip.split('.').map(Number));

async function svid(ca: CertificateAuthority, sa: string) {
  const identity = istioIdentity(TD, NS, sa);
  const key = await generateWorkloadKey();
  const chain = await ca.sign(await createCsr(identity, key), { identity });
  return {
    identity,
    certChainPem: chain.slice(0, -1),
    keyPem: key.privateKeyPem,
    trustBundle: [ca.rootCertPem],
  };
}

interface Seen {
  readonly version: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly peer: string;
}

/** A pod: an HTTP app behind a stand-in ztunnel (HBONE server on <ip>:15008 with the pod's identity). */
async function startPod(
  ca: CertificateAuthority,
  ip: string,
  version: string,
  seen: Seen[],
  answer: () => number = () => 200,
): Promise<{ app: Server; hbone: HboneServer }> {
  let lastPeer = '';
  const app = createServer((req, res) => {
    seen.push({ version, path: req.url ?? '', headers: req.headers, peer: lastPeer });
    const status = answer();
    res.writeHead(status, { 'content-type': 'text/plain', 'x-version': version });
    res.end(`reviews ${version}\n`);
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const appPort = (app.address() as AddressInfo).port;
  const id = await svid(ca, 'bookinfo-reviews');
  const hbone = createHboneServer({
    identity: id,
    trustBundle: id.trustBundle,
    authorize: (req) => {
      lastPeer = req.peer.uri;
      return Promise.resolve(
        req.target.ip === ip && req.target.port === 9080
          ? { allow: true }
          : { allow: false, status: 400, reason: 'wrong target' },
      );
    },
    dial: () =>
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: appPort, allowHalfOpen: true });
        s.once('connect', () => { resolve(s); });
        s.once('error', reject);
      }),
  });
  await hbone.start({ host: ip, port: 15008 });
  return { app, hbone };
}

function workloadInit(name: string, ip: string, sa: string, services: Record<string, number>) {
  return {
    uid: uid(name),
    name,
    namespace: NS,
    addresses: [ipBytes(ip)],
    serviceAccount: sa,
    tunnelProtocol: wl.TunnelProtocol.HBONE,
    node: 'node-1',
    canonicalName: name.replace(/-v\d$/, ''),
    canonicalRevision: /-(v\d)$/.exec(name)?.[1] ?? 'latest',
    workloadName: name,
    status: wl.WorkloadStatus.HEALTHY,
    services: Object.fromEntries(
      Object.entries(services).map(([k, port]) => [
        k,
        create(wl.PortListSchema, { ports: [{ servicePort: port, targetPort: port }] }),
      ]),
    ),
  };
}

describe('waypoint on loopback: HBONE in, L7 policy and routing, HBONE out', () => {
  const istiod = new IstiodStandIn();
  const seen: Seen[] = [];
  let flaky = 0;
  let pods: { app: Server; hbone: HboneServer }[] = [];
  let waypoint: Waypoint;
  let stats: AddressInfo;
  let readiness: AddressInfo;
  let productpage: Awaited<ReturnType<typeof svid>>;
  let curl: Awaited<ReturnType<typeof svid>>;
  const pool = new HbonePool();

  /** An HTTP request through an HBONE tunnel to the waypoint, addressed to VIP:port as ztunnel does. */
  async function call(
    from: Awaited<ReturnType<typeof svid>>,
    path: string,
    headers: Record<string, string> = {},
    vip = REVIEWS_VIP,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
    const tunnel = await pool.connect({
      source: from,
      destination: {
        address: `${WAYPOINT_IP}:15008`,
        expectedIdentities: [istioIdentity(TD, NS, 'waypoint')],
      },
      target: `${vip}:9080`,
    });
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          method: 'GET',
          path,
          headers: { host: `reviews:9080`, ...headers },
          createConnection: () => tunnel,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body }); });
        },
      );
      req.once('error', reject);
      req.end();
    });
  }

  async function metrics(): Promise<string> {
    const r = await fetch(`http://${stats.address}:${stats.port}/stats/prometheus`);
    return r.text();
  }

  beforeAll(async () => {
    await istiod.start();
    productpage = await svid(istiod.ca, 'bookinfo-productpage');
    curl = await svid(istiod.ca, 'curl');
    pods = [
      await startPod(istiod.ca, V1_IP, 'v1', seen, () => (flaky-- > 0 ? 503 : 200)),
      await startPod(istiod.ca, V2_IP, 'v2', seen),
    ];
    const svcKey = `${NS}/${REVIEWS_HOST}`;
    istiod.setService({
      name: 'reviews',
      namespace: NS,
      hostname: REVIEWS_HOST,
      addresses: [{ network: '', address: ipBytes(REVIEWS_VIP) }],
      ports: [{ servicePort: 9080, targetPort: 9080 }],
    });
    istiod.setWorkload(workloadInit('reviews-v1', V1_IP, 'bookinfo-reviews', { [svcKey]: 9080 }));
    istiod.setWorkload(workloadInit('reviews-v2', V2_IP, 'bookinfo-reviews', { [svcKey]: 9080 }));
    istiod.setWorkload(workloadInit('waypoint', WAYPOINT_IP, 'waypoint', {}));
    istiod.setListener({
      serviceNamespace: NS,
      serviceHostname: REVIEWS_HOST,
      port: 9080,
      protocol: wp.Protocol.HTTP,
      httpRoutes: [
        {
          name: 'HTTPRoute/default/reviews/rule/0',
          matches: [
            { headers: [{ name: 'end-user', value: { kind: { case: 'exact', value: 'jason' } } }] },
          ],
          action: {
            case: 'forward',
            value: {
              backends: [
                {
                  weight: 1,
                  backend: {
                    namespace: NS,
                    hostname: REVIEWS_HOST,
                    port: 9080,
                    subset: { name: 'v2', workloadUids: [uid('reviews-v2')] },
                  },
                },
              ],
            },
          },
          responseHeaders: { set: [{ name: 'x-route', value: 'jason' }] },
        },
        {
          name: 'HTTPRoute/default/reviews/rule/1',
          matches: [{ path: { kind: { case: 'pathPrefix', value: '/faulty' } } }],
          action: {
            case: 'forward',
            value: {
              backends: [
                { weight: 1, backend: { namespace: NS, hostname: REVIEWS_HOST, port: 9080 } },
              ],
            },
          },
          fault: { abort: { httpStatus: 418 } },
        },
        {
          name: 'HTTPRoute/default/reviews/rule/2',
          matches: [{ path: { kind: { case: 'pathPrefix', value: '/flaky' } } }],
          action: {
            case: 'forward',
            value: {
              backends: [
                {
                  weight: 1,
                  backend: {
                    namespace: NS,
                    hostname: REVIEWS_HOST,
                    port: 9080,
                    subset: { name: 'v1', workloadUids: [uid('reviews-v1')] },
                  },
                },
              ],
            },
          },
          retry: {
            attempts: 2,
            retryOn: ['5xx'],
            backoffBaseInterval: { seconds: 0n, nanos: 1_000_000 },
          },
        },
        {
          name: 'HTTPRoute/default/reviews/rule/3',
          action: {
            case: 'forward',
            value: {
              backends: [
                { weight: 1, backend: { namespace: NS, hostname: REVIEWS_HOST, port: 9080 } },
              ],
            },
          },
        },
      ],
      policies: [
        {
          name: 'reviews-viewer',
          namespace: NS,
          action: wp.Action.ALLOW,
          rules: [
            {
              from: [
                {
                  principals: [
                    { kind: { case: 'exact', value: `${TD}/ns/${NS}/sa/bookinfo-productpage` } },
                  ],
                },
              ],
              to: [{ methods: [{ kind: { case: 'exact', value: 'GET' } }] }],
            },
          ],
        },
      ],
    });

    const config = loadConfig(
      {
        ...istiod.env(),
        AUTH_TOKEN: istiod.workloadTokenFile(istioIdentity(TD, NS, 'waypoint').uri),
        POD_NAME: 'waypoint-7d9c5-abcde',
        POD_NAMESPACE: NS,
        SERVICE_ACCOUNT: 'waypoint',
        INSTANCE_IP: WAYPOINT_IP,
        ADMIN_ADDR: `${WAYPOINT_IP}:0`,
        STATS_ADDR: `${WAYPOINT_IP}:0`,
        READINESS_ADDR: `${WAYPOINT_IP}:0`,
      },
      ['proxy', 'waypoint', '--serviceCluster', 'waypoint.default'],
    );
    waypoint = new Waypoint(config, { log: pino({ level: 'silent' }) });
    const addrs = await waypoint.start();
    stats = addrs.stats;
    readiness = addrs.readiness;
  });

  afterAll(async () => {
    await pool.close();
    await waypoint.close();
    for (const p of pods) {
      await p.hbone.close();
      p.app.close();
    }
    await istiod.close();
  });

  it('becomes ready once it holds its own certificate and has ACKed WDS and its listeners', async () => {
    const deadline = Date.now() + 10_000;
    let last = '';
    while (Date.now() < deadline) {
      const r = await fetch(`http://${readiness.address}:${readiness.port}/healthz/ready`);
      last = await r.text();
      if (r.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(last).toBe('ready\n');
    expect(istiod.issued).toEqual([istioIdentity(TD, NS, 'waypoint').uri]);
  });

  it('forwards an allowed request over HBONE with its own identity, to the service endpoints', async () => {
    const versions = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await call(productpage, '/reviews/0');
      expect(r.status).toBe(200);
      versions.add(String(r.headers['x-version']));
    }
    expect([...versions].sort()).toEqual(['v1', 'v2']);
    const last = seen[seen.length - 1];
    expect(last?.peer).toBe(istioIdentity(TD, NS, 'waypoint').uri);
    expect(last?.headers.host).toBe('reviews:9080');
  });

  it("routes by header to the v2 subset only and applies the route's response header", async () => {
    for (let i = 0; i < 6; i++) {
      const r = await call(productpage, '/reviews/0', { 'end-user': 'jason' });
      expect([r.status, r.headers['x-version'], r.headers['x-route']]).toEqual([
        200,
        'v2',
        'jason',
      ]);
    }
  });

  it('denies what the L7 policy does not allow with 403 "RBAC: access denied", before any backend sees it', async () => {
    const before = seen.length;
    const r = await call(curl, '/reviews/0');
    expect([r.status, r.body]).toEqual([403, 'RBAC: access denied']);
    expect(seen.length).toBe(before);
  });

  it('answers a fault abort without calling the backend', async () => {
    const before = seen.length;
    const r = await call(productpage, '/faulty');
    expect([r.status, r.body]).toEqual([418, 'fault filter abort']);
    expect(seen.length).toBe(before);
  });

  it("retries a 503 per the route's retry policy and returns the successful attempt", async () => {
    flaky = 2;
    const before = seen.length;
    const r = await call(productpage, '/flaky');
    expect(r.status).toBe(200);
    expect(seen.slice(before).map((s) => s.version)).toEqual(['v1', 'v1', 'v1']);
  });

  it('refuses a CONNECT to an address that is no service it serves', async () => {
    await expect(call(productpage, '/', {}, '198.18.0.99')).rejects.toBeInstanceOf(
      ConnectStatusError,
    );
  });

  it('counts requests in istio_requests_total with reporter="waypoint" and the peer principals', async () => {
    const text = await metrics();
    const lines = (principal: string, code: string): string[] =>
      text
        .split('\n')
        .filter(
          (l) =>
            l.startsWith('istio_requests_total{') &&
            l.includes('reporter="waypoint"') &&
            l.includes(`source_principal="${TD}/ns/${NS}/sa/${principal}"`) &&
            l.includes(`response_code="${code}"`) &&
            l.includes(`destination_service="${REVIEWS_HOST}"`),
        );
    const total = (ls: string[]): number => ls.reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    // 12 spread over v1/v2, 6 to v2 by header, 1 retried to v1.
    const ok = lines('bookinfo-productpage', '200');
    expect(total(ok)).toBe(19);
    expect(ok.some((l) => l.includes('destination_workload="reviews-v2"'))).toBe(true);
    expect(
      ok.every((l) =>
        l.includes('destination_principal="cluster.local/ns/default/sa/bookinfo-reviews"'),
      ),
    ).toBe(true);
    const denied = lines('curl', '403');
    expect(total(denied)).toBe(1);
    expect(denied[0]).toContain('response_flags="RBAC"');
    expect(lines('bookinfo-productpage', '418')[0]).toContain('response_flags="FI"');
  });

  it('NACKs a listener it cannot execute exactly and keeps enforcing the previous one', async () => {
    istiod.setListener({
      serviceNamespace: NS,
      serviceHostname: REVIEWS_HOST,
      port: 9080,
      protocol: wp.Protocol.HTTP,
      requiredFeatures: ['jwt-claims-v9'],
    });
    const deadline = Date.now() + 5000;
    while (
      Date.now() < deadline &&
      !(await metrics()).match(/waypoint_xds_rejections_total\{[^}]*\} [1-9]/)
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await metrics()).toMatch(
      /waypoint_xds_rejections_total\{type_url="type.googleapis.com\/ambient_ts.waypoint.v1.WaypointListener"\} [1-9]/,
    );
    const denied = await call(curl, '/reviews/0');
    expect(denied.status).toBe(403);
  });
});
