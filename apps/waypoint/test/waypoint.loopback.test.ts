// The waypoint end to end on loopback (ARCHITECTURE.md §4, tier 2): a real
// Waypoint gets its WDS and WaypointListeners over delta ADS and its own
// certificate from a stand-in istiod (real gRPC, real CA core), terminates
// HBONE from a client presenting a workload identity, runs the L7 plan and
// originates HBONE to stand-in destination ztunnels (real HBONE servers in
// front of plain HTTP apps). Every hop is real TLS 1.3 + HTTP/2 CONNECT on
// 127.0.0.0/8 addresses.

import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectStatusError, HbonePool } from '@ambient-ts/hbone';
import { IstiodStandIn } from '@ambient-ts/istiod-client/testing';
import { istioIdentity } from '@ambient-ts/spiffe';
import { waypoint as wp } from '@ambient-ts/xds-types';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { Waypoint } from '../src/waypoint.js';
import {
  allowPolicy,
  backend,
  forwardTo,
  headerExact,
  httpListener,
  pathPrefix,
  podUid,
  serviceInit,
  serviceRef,
  TRUST_DOMAIN as TD,
  workloadInit,
} from './harness/mesh-resources.js';
import { startStandInPod, type StandInPod } from './harness/stand-in-pod.js';
import { issueSvid, type Svid } from './harness/svid.js';
import { getRequest, KeepAliveClient } from './harness/keep-alive-client.js';
import { callThroughTunnel } from './harness/tunnel-call.js';
import {
  waypointArgs,
  waypointEnv,
  type WaypointPod,
  waypointWorkload,
} from './harness/waypoint-env.js';

const NS = 'default';
const REVIEWS = serviceRef(NS, 'reviews', '198.18.0.10', 9080);
const REVIEWS_HOST = REVIEWS.hostname;
const WAYPOINT_IP = '127.0.0.20';
const V1_IP = '127.0.0.11';
const V2_IP = '127.0.0.12';
const uid = (name: string): string => podUid(NS, name);
const WAYPOINT_POD: WaypointPod = {
  namespace: NS,
  serviceAccount: 'waypoint',
  podName: 'waypoint-7d9c5-abcde',
  ip: WAYPOINT_IP,
};

interface Seen {
  readonly version: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly peer: string;
}

/** A reviews pod: it records what it saw and answers `answer()` with its version. */
async function startReviewsPod(
  istiod: IstiodStandIn,
  ip: string,
  version: string,
  seen: Seen[],
  answer: () => number = () => 200,
): Promise<StandInPod> {
  return startStandInPod({
    svid: await issueSvid(istiod.ca, TD, NS, 'bookinfo-reviews'),
    ip,
    targetPort: REVIEWS.port,
    handle: (req, res, peer) => {
      seen.push({ version, path: req.url ?? '', headers: req.headers, peer });
      const status = answer();
      res.writeHead(status, { 'content-type': 'text/plain', 'x-version': version });
      res.end(`reviews ${version}\n`);
    },
  });
}

describe('waypoint on loopback: HBONE in, L7 policy and routing, HBONE out', () => {
  const istiod = new IstiodStandIn();
  const seen: Seen[] = [];
  let flaky = 0;
  let pods: StandInPod[] = [];
  let waypoint: Waypoint;
  let stats: AddressInfo;
  let readiness: AddressInfo;
  let productpage: Svid;
  let curl: Svid;
  const pool = new HbonePool();

  /** An HTTP request through an HBONE tunnel to the waypoint, addressed to VIP:port as ztunnel does. */
  function call(
    from: Svid,
    path: string,
    headers: Record<string, string> = {},
    vip = REVIEWS.vip,
  ): ReturnType<typeof callThroughTunnel> {
    return callThroughTunnel(pool, {
      from,
      via: { address: `${WAYPOINT_IP}:15008`, identity: istioIdentity(TD, NS, 'waypoint') },
      target: `${vip}:${REVIEWS.port}`,
      path,
      headers: { host: 'reviews:9080', ...headers },
    });
  }

  async function metrics(): Promise<string> {
    const r = await fetch(`http://${stats.address}:${stats.port}/stats/prometheus`);
    return r.text();
  }

  beforeAll(async () => {
    await istiod.start();
    productpage = await issueSvid(istiod.ca, TD, NS, 'bookinfo-productpage');
    curl = await issueSvid(istiod.ca, TD, NS, 'curl');
    pods = [
      await startReviewsPod(istiod, V1_IP, 'v1', seen, () => (flaky-- > 0 ? 503 : 200)),
      await startReviewsPod(istiod, V2_IP, 'v2', seen),
    ];
    const reviewsPod = (name: string, ip: string) =>
      workloadInit({
        namespace: NS,
        name,
        ip,
        serviceAccount: 'bookinfo-reviews',
        services: [REVIEWS],
      });
    istiod.setService(serviceInit(REVIEWS));
    istiod.setWorkload(reviewsPod('reviews-v1', V1_IP));
    istiod.setWorkload(reviewsPod('reviews-v2', V2_IP));
    istiod.setWorkload(waypointWorkload(WAYPOINT_POD));
    istiod.setListener(
      httpListener(
        REVIEWS,
        [
          {
            name: 'HTTPRoute/default/reviews/rule/0',
            matches: [{ headers: [headerExact('end-user', 'jason')] }],
            action: forwardTo(backend(REVIEWS, { name: 'v2', workloadUids: [uid('reviews-v2')] })),
            responseHeaders: { set: [{ name: 'x-route', value: 'jason' }] },
          },
          {
            name: 'HTTPRoute/default/reviews/rule/1',
            matches: [{ path: pathPrefix('/faulty') }],
            action: forwardTo(backend(REVIEWS)),
            fault: { abort: { httpStatus: 418 } },
          },
          {
            name: 'HTTPRoute/default/reviews/rule/2',
            matches: [{ path: pathPrefix('/flaky') }],
            action: forwardTo(backend(REVIEWS, { name: 'v1', workloadUids: [uid('reviews-v1')] })),
            retry: {
              attempts: 2,
              retryOn: ['5xx'],
              backoffBaseInterval: { seconds: 0n, nanos: 1_000_000 },
            },
          },
          {
            name: 'HTTPRoute/default/reviews/rule/3',
            action: forwardTo(backend(REVIEWS)),
          },
        ],
        [
          allowPolicy(NS, 'reviews-viewer', {
            principals: [`${TD}/ns/${NS}/sa/bookinfo-productpage`],
            methods: ['GET'],
          }),
        ],
      ),
    );

    const config = loadConfig(waypointEnv(istiod, WAYPOINT_POD), waypointArgs(WAYPOINT_POD));
    waypoint = new Waypoint(config, { log: pino({ level: 'silent' }) });
    const addrs = await waypoint.start();
    stats = addrs.stats;
    readiness = addrs.readiness;
  });

  afterAll(async () => {
    await pool.close();
    await waypoint.close();
    for (const p of pods) await p.close();
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

  it('forwards an allowed request over HBONE with its own identity, to the service endpoints, reusing upstream connections', async () => {
    let appConnections = 0;
    for (const p of pods) {
      p.app.on('connection', () => {
        appConnections++;
      });
    }
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
    // Sequential requests: one kept-alive tunnel per endpoint, not one per request.
    expect(appConnections).toBe(2);
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

  it('NACKs a listener it cannot execute exactly and denies all on it until a good version arrives', async () => {
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
    // Not the previous version: deny-all, for callers it allowed too.
    expect((await call(curl, '/reviews/0')).status).toBe(403);
    expect((await call(productpage, '/reviews/0')).status).toBe(403);
    istiod.setListener(
      httpListener(
        REVIEWS,
        [{ name: 'HTTPRoute/default/reviews/rule/3', action: forwardTo(backend(REVIEWS)) }],
        [
          allowPolicy(NS, 'reviews-viewer', {
            principals: [`${TD}/ns/${NS}/sa/bookinfo-productpage`],
            methods: ['GET'],
          }),
        ],
      ),
    );
    const until = Date.now() + 5000;
    let status = 403;
    while (status !== 200 && Date.now() < until) {
      status = (await call(productpage, '/reviews/0')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(200);
  });

  it('applies a policy change to requests on a tunnel that was already open (no stale decisions)', async () => {
    const client = new KeepAliveClient(
      () =>
        pool.connect({
          source: productpage,
          destination: {
            address: `${WAYPOINT_IP}:15008`,
            expectedIdentities: [istioIdentity(TD, NS, 'waypoint')],
          },
          target: `${REVIEWS.vip}:${REVIEWS.port}`,
        }),
      getRequest('/reviews/0', { host: 'reviews:9080' }),
    );
    expect((await client.send()).status).toBe(200);
    istiod.setListener(
      httpListener(
        REVIEWS,
        [{ name: 'HTTPRoute/default/reviews/rule/0', action: forwardTo(backend(REVIEWS)) }],
        [
          allowPolicy(NS, 'curl-only', {
            principals: [`${TD}/ns/${NS}/sa/curl`],
            methods: ['GET'],
          }),
        ],
      ),
    );
    const deadline = Date.now() + 5000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await client.send()).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(403);
    expect(client.reconnects).toBe(0);
    client.close();
  });
});
