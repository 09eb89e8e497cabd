// Issue 12 finding 4 for :15012: streams that have not yet been handed to the
// delta-ADS server — caller being authenticated, first request not yet in —
// are capped (total and per client address), a stream that never gets past
// its first request is closed, and a flood of refused tokens does not make a
// TokenReview each without bound. Whole istiod in process over real gRPC/TLS;
// the Kubernetes API (so TokenReview) is the in-memory fake, made slow here.
//
// Before the fix: 500 streams with slow tokens meant 500 TokenReviews in
// flight and 500 held streams; a stream that never sent a request was held
// for ever; the same refused token was reviewed once per stream.

import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ClientDuplexStream,
  type ServerDuplexStream,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAttack } from '@ambient-ts/security-table';
import { create } from '@bufbuild/protobuf';
import {
  ADDRESS_TYPE_URL,
  aggregatedDiscoveryServiceDefinition,
  AggregatedDiscoveryServiceClient,
  discovery,
} from '@ambient-ts/xds-types';
import { namespace, pod } from '../ambient/testing/fixtures.js';
import { fakeTokenReviewer } from '../ca/testing/fake-token-review.js';
import { loadConfig } from '../config.js';
import { Istiod, type StartedIstiod } from '../istiod.js';
import type { TokenReviewStatus } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';
import { FakeKubeApi } from '../kube/testing/fake-kube-api.js';
import { silentLogger } from '../runtime/logger.js';
import { authenticatedAdsHandler } from './authenticated-ads.js';
import { DEFAULT_XDS_AUTH_LIMITS, type XdsAuthLimits } from './auth-limits.js';
import { RecordingAdsClient } from './testing/recording-ads-client.js';

const FINDING = '12.4 caps';
const ZTUNNEL_NODE = 'ztunnel~10.0.0.5~ztunnel-n1.istio-system~istio-system.svc.cluster.local';
const FLOOD = 500;

/** TokenReview as the fake answers it, except `slow-*` tokens wait for the gate. */
class SlowTokenReviewApi extends FakeKubeApi {
  reviews = 0;
  inFlight = 0;
  maxInFlight = 0;
  private openGate: () => void = () => undefined;
  private gate = new Promise<void>((resolve) => {
    this.openGate = resolve;
  });

  release(): void {
    this.openGate();
  }

  override async tokenReview(
    token: string,
    audiences: readonly string[],
  ): Promise<TokenReviewStatus> {
    this.reviews += 1;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (token.startsWith('slow-')) await this.gate;
      return this.tokenReviewer(token, audiences);
    } finally {
      this.inFlight -= 1;
    }
  }
}

type AdsStream = ClientDuplexStream<
  discovery.DeltaDiscoveryRequest,
  discovery.DeltaDiscoveryResponse
>;

interface Ended {
  readonly code: status;
  readonly details: string;
}

/** Opens a stream with `token`, sends the first request (unless told not to), resolves with its status. */
function openStream(
  client: AggregatedDiscoveryServiceClient,
  token: string,
  sendFirst = true,
): { stream: AdsStream; ended: Promise<Ended> } {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  const stream = client.deltaAggregatedResources(md);
  const ended = new Promise<Ended>((resolve) => {
    stream.on('data', () => undefined);
    stream.on('error', (e: { code?: status; details?: string }) => {
      resolve({ code: e.code ?? status.UNKNOWN, details: e.details ?? '' });
    });
    stream.on('status', (s: { code: status; details: string }) => {
      resolve({ code: s.code, details: s.details });
    });
  });
  if (sendFirst) {
    stream.write(
      create(discovery.DeltaDiscoveryRequestSchema, {
        node: { id: ZTUNNEL_NODE },
        typeUrl: ADDRESS_TYPE_URL,
        resourceNamesSubscribe: ['*'],
      }),
    );
  }
  return { stream, ended };
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('12.4 streams awaiting authentication on :15012 are bounded', () => {
  let api: SlowTokenReviewApi;
  let istiod: Istiod;
  let started: StartedIstiod;
  const closers: (() => unknown)[] = [];

  const tls = () => credentials.createSsl(Buffer.from(istiod.ca.authority?.rootCertPem ?? ''));
  const channelOptions = {
    'grpc.ssl_target_name_override': 'istiod.istio-system.svc',
    'grpc.default_authority': 'istiod.istio-system.svc',
  };
  /** A raw ADS client; `host` chooses the client's address as istiod sees it. */
  const rawClient = (host: string): AggregatedDiscoveryServiceClient => {
    const c = new AggregatedDiscoveryServiceClient(
      `${host}:${started.grpc.secure}`,
      tls(),
      channelOptions,
    );
    closers.push(() => {
      c.close();
    });
    return c;
  };

  beforeAll(async () => {
    api = new SlowTokenReviewApi();
    api.seed(RESOURCES.namespaces, namespace('default'));
    api.seed(RESOURCES.namespaces, namespace('istio-system'));
    api.seed(
      RESOURCES.pods,
      pod('ztunnel-n1', { ns: 'istio-system', ip: '10.0.0.5', sa: 'ztunnel', node: 'node-1' }),
    );
    api.seed(RESOURCES.pods, pod('productpage', { ip: '10.244.1.10', sa: 'bookinfo' }));
    api.tokenReviewer = fakeTokenReviewer({
      'ztunnel-token': {
        namespace: 'istio-system',
        serviceAccount: 'ztunnel',
        podName: 'ztunnel-n1',
        podUid: 'uid-ztunnel-n1',
      },
    });
    // [::]: the flood comes from 127.0.0.1, the real ztunnel from ::1 — two
    // client addresses, as an attacker pod and a node's ztunnel are.
    const config = loadConfig(
      {
        SECURE_GRPC_ADDR: '[::]:0',
        MONITORING_ADDR: '127.0.0.1:0',
        HTTP_ADDR: '127.0.0.1:0',
        PILOT_DEBOUNCE_AFTER: '10ms',
      },
      [],
    );
    istiod = new Istiod({ config, api, logger: () => silentLogger });
    started = await istiod.start();
    // xDS refuses every stream with UNAVAILABLE until the caches have synced.
    await until('istiod to be ready', () => istiod.notReadyReason() === undefined);
  }, 60_000);

  afterAll(async () => {
    api.release();
    for (const close of closers) await close();
    await istiod.close();
  });

  it(`refuses a flood of ${FLOOD} slow-token streams beyond the per-address cap with RESOURCE_EXHAUSTED, and still serves the real ztunnel`, async () => {
    const attacker = rawClient('127.0.0.1');
    const streams = Array.from({ length: FLOOD }, (_, i) => openStream(attacker, `slow-${i}`));
    const results: Ended[] = [];
    for (const s of streams) void s.ended.then((e) => results.push(e));
    const cap = DEFAULT_XDS_AUTH_LIMITS.maxPendingStreamsPerPeer;
    await until('the flood to be refused', () => results.length >= FLOOD - cap);
    // Would more slip through, they would have reached TokenReview by now.
    await new Promise((r) => setTimeout(r, 200));
    const refused = results.filter((e) => e.code === status.RESOURCE_EXHAUSTED);
    const inFlightDuringFlood = api.inFlight;

    // The real ztunnel, from another address, while the flood is held.
    const ztunnel = new RecordingAdsClient({
      target: `[::1]:${started.grpc.secure}`,
      credentials: tls(),
      channelOptions,
      nodeId: ZTUNNEL_NODE,
      token: 'ztunnel-token',
    }).start();
    closers.push(() => ztunnel.close());
    await ztunnel.waitFor('the ztunnel to be served productpage', () =>
      ztunnel.addresses.has('Kubernetes//Pod/default/productpage'),
    );

    api.release();
    await until('the held streams to be answered', () => results.length === FLOOD);
    const unauthenticated = results.filter((e) => e.code === status.UNAUTHENTICATED).length;

    expect(api.maxInFlight).toBeLessThanOrEqual(cap + 1); // + the ztunnel's own review
    expect(inFlightDuringFlood).toBe(cap);
    expect(refused.length).toBe(FLOOD - cap);
    expect(refused[0]?.details).toContain('maxPendingStreamsPerPeer');
    expect(unauthenticated).toBe(cap);
    recordAttack({
      finding: FINDING,
      attack: `${FLOOD} xDS streams from one address with tokens TokenReview answers slowly`,
      sent: `${FLOOD} DeltaAggregatedResources streams over TLS from 127.0.0.1, distinct bearer tokens held by TokenReview; meanwhile the real ztunnel from ::1`,
      happened: `${refused.length} gRPC ${status[status.RESOURCE_EXHAUSTED]} ("${refused[0]?.details.slice(0, 45) ?? ''}…"), ${inFlightDuringFlood} TokenReviews in flight (max ${api.maxInFlight}), then ${unauthenticated} gRPC UNAUTHENTICATED; ztunnel served ${ztunnel.addresses.size} addresses`,
    });
  }, 60_000);

  it('reviews a token TokenReview refused once, not once per stream', async () => {
    const attacker = rawClient('127.0.0.1');
    const before = api.reviews;
    const codes: status[] = [];
    for (let i = 0; i < 40; i++) {
      codes.push((await openStream(attacker, 'expired-token').ended).code);
    }
    const reviews = api.reviews - before;

    expect(codes.every((c) => c === status.UNAUTHENTICATED)).toBe(true);
    expect(reviews).toBe(1);
    recordAttack({
      finding: FINDING,
      attack: 'repeat one refused token on 40 xDS streams',
      sent: '40 DeltaAggregatedResources streams one after another with the same unknown bearer token',
      happened: `${codes.filter((c) => c === status.UNAUTHENTICATED).length}× gRPC UNAUTHENTICATED, ${reviews} TokenReview call(s)`,
    });
  }, 30_000);
});

/**
 * The :15012 handler alone over a real gRPC server on [::] (plaintext,
 * loopback) with chosen limits: `ztunnel-token` authenticates at once,
 * `slow-*` tokens wait for `release()`, anything else is refused.
 */
async function handlerServer(limits: Partial<XdsAuthLimits>) {
  const review = new SlowTokenReviewApi();
  review.tokenReviewer = fakeTokenReviewer({
    'ztunnel-token': { namespace: 'istio-system', serviceAccount: 'ztunnel' },
  });
  const adopted: string[] = [];
  const server = new Server();
  server.addService(aggregatedDiscoveryServiceDefinition, {
    DeltaAggregatedResources: authenticatedAdsHandler({
      auth: {
        tokenReview: (token, audiences) => review.tokenReview(token, audiences),
        audiences: ['istio-ca'],
        trustDomain: 'cluster.local',
      },
      binding: { trustedNodeAccounts: ['istio-system/ztunnel'], pod: () => undefined },
      bind: () => undefined,
      serve: (call: ServerDuplexStream<unknown, unknown>) => {
        adopted.push(call.getPeer());
        call.end();
      },
      logger: silentLogger,
      limits,
    }),
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('[::]:0', ServerCredentials.createInsecure(), (e, p) => {
      if (e) reject(e);
      else resolve(p);
    });
  });
  const clients: AggregatedDiscoveryServiceClient[] = [];
  return {
    review,
    adopted,
    client(host: string): AggregatedDiscoveryServiceClient {
      const c = new AggregatedDiscoveryServiceClient(
        `${host}:${port}`,
        credentials.createInsecure(),
      );
      clients.push(c);
      return c;
    },
    close(): void {
      review.release();
      for (const c of clients) c.close();
      server.forceShutdown();
    },
  };
}

/** The stream's status, or undefined if it is still open after `ms`. */
function within(ended: Promise<Ended>, ms: number): Promise<Ended | undefined> {
  return Promise.race([
    ended,
    new Promise<undefined>((r) => {
      setTimeout(() => {
        r(undefined);
      }, ms);
    }),
  ]);
}

describe('12.4 the total cap, and slots held until TokenReview returns', () => {
  it('refuses beyond maxPendingStreams across addresses, and counts a cancelled stream until its review returns', async () => {
    const h = await handlerServer({ maxPendingStreams: 3, maxPendingStreamsPerPeer: 2 });
    try {
      const v4 = h.client('127.0.0.1');
      const v6 = h.client('[::1]');
      const cancelled = [openStream(v4, 'slow-a'), openStream(v4, 'slow-b')];
      await until('two reviews in flight', () => h.review.inFlight === 2);
      // The client gives up; the reviews it caused are still running.
      for (const s of cancelled) s.stream.cancel();
      await Promise.all(cancelled.map((s) => s.ended));
      const samePeer = await openStream(v4, 'slow-c').ended;
      openStream(v6, 'slow-d');
      await until('a third review in flight', () => h.review.inFlight === 3);
      const overTotal = await openStream(v6, 'slow-e').ended;
      const inFlight = h.review.inFlight;
      h.review.release();
      await until('the reviews to return', () => h.review.inFlight === 0);
      const after = openStream(v4, 'ztunnel-token');
      await until('the ztunnel to be adopted', () => h.adopted.length === 1);

      expect(samePeer.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(samePeer.details).toContain('maxPendingStreamsPerPeer (2)');
      expect(overTotal.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(overTotal.details).toContain('maxPendingStreams (3)');
      expect(inFlight).toBe(3);
      expect(h.review.maxInFlight).toBe(3);
      after.stream.cancel();
      recordAttack({
        finding: FINDING,
        attack: 'cancel slow-token xDS streams and reopen, from two addresses',
        sent: 'caps 3 total / 2 per address: 2 slow-token streams from 127.0.0.1 cancelled, a 3rd from 127.0.0.1, then 2 from ::1',
        happened: `127.0.0.1 #3: gRPC ${status[samePeer.code]} (per address); ::1 #2: gRPC ${status[overTotal.code]} (total); ${h.review.maxInFlight} TokenReviews in flight at most`,
      });
    } finally {
      h.close();
    }
  });
});

describe('12.4 a stream that never gets past authentication and its first request is closed', () => {
  const timeoutMs = 300;

  it('closes an authenticated stream that sends nothing with DEADLINE_EXCEEDED', async () => {
    const h = await handlerServer({ firstRequestTimeoutMs: timeoutMs });
    try {
      const started = Date.now();
      const { ended } = openStream(h.client('127.0.0.1'), 'ztunnel-token', false);
      const result = await within(ended, timeoutMs * 10);
      const tookMs = Date.now() - started;

      expect(result?.code).toBe(status.DEADLINE_EXCEEDED);
      expect(result?.details).toContain('no first DeltaDiscoveryRequest');
      expect(h.adopted).toHaveLength(0);
      recordAttack({
        finding: FINDING,
        attack: 'hold an authenticated xDS stream open without a first request',
        sent: `DeltaAggregatedResources with a valid token, no request (first-request deadline ${timeoutMs} ms)`,
        happened:
          result === undefined
            ? `still open after ${tookMs} ms`
            : `gRPC ${status[result.code]} after ${tookMs} ms`,
      });
    } finally {
      h.close();
    }
  });

  it('closes a stream whose TokenReview does not answer in time with DEADLINE_EXCEEDED', async () => {
    const h = await handlerServer({ firstRequestTimeoutMs: timeoutMs });
    try {
      const result = await within(
        openStream(h.client('127.0.0.1'), 'slow-x').ended,
        timeoutMs * 10,
      );

      expect(result?.code).toBe(status.DEADLINE_EXCEEDED);
      expect(result?.details).toContain('authentication did not finish');
      expect(h.adopted).toHaveLength(0);
    } finally {
      h.close();
    }
  });
});
