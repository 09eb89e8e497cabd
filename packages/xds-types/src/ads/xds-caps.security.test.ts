// Issue 12 finding 4, xDS half: a client of the delta-ADS server tries to
// make istiod hold unbounded state — per-type state for junk type URLs,
// unbounded subscriptions, and any number of streams. Real grpc-js on
// 127.0.0.1; each test measures what the attacker got and records it.

import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { recordAttack } from '@ambient-ts/security-table';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import {
  AggregatedDiscoveryServiceClient,
  aggregatedDiscoveryServiceDefinition,
  type AggregatedDiscoveryServiceHandlers,
} from '../grpc/ads-service.js';
import { ADDRESS_TYPE_URL } from '../type-urls.js';
import { RecordingLogger } from '../test-support/recording-logger.js';
import { DeltaAdsServer, type DeltaAdsServerOptions } from './delta-ads-server.js';
import { ResourceStore } from './resource-store.js';
import { DEFAULT_XDS_SERVER_LIMITS } from './server-limits.js';

const FINDING = '12.4 caps';
const node = { id: 'ztunnel~127.0.0.1~attacker.default~default.svc.cluster.local' };

function request(
  init: MessageInitShape<typeof DeltaDiscoveryRequestSchema>,
): DeltaDiscoveryRequest {
  return create(DeltaDiscoveryRequestSchema, init);
}

interface Outcome {
  readonly code: number | undefined;
  readonly details: string;
  readonly responses: DeltaDiscoveryResponse[];
}

/** One raw ADS stream: collects responses, resolves when the server ends it. */
function watch(stream: ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) {
  const responses: DeltaDiscoveryResponse[] = [];
  let ended: ServiceError | undefined;
  const waiters: (() => void)[] = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  stream.on('data', (r: DeltaDiscoveryResponse) => {
    responses.push(r);
    wake();
  });
  stream.on('error', (e: ServiceError) => {
    ended = e;
    wake();
  });
  return {
    /** Waits until `done(responses)` or the stream failed. */
    async until(done: (r: DeltaDiscoveryResponse[]) => boolean): Promise<Outcome> {
      while (ended === undefined && !done(responses)) {
        await new Promise<void>((r) => waiters.push(r));
      }
      return { code: ended?.code, details: ended?.details ?? '', responses };
    },
  };
}

class Rig {
  readonly store = new ResourceStore();
  readonly logger = new RecordingLogger();
  ads!: DeltaAdsServer;
  private grpc!: Server;
  private port = 0;
  private readonly clients: AggregatedDiscoveryServiceClient[] = [];

  async start(
    options: Partial<DeltaAdsServerOptions> = {},
    wrap?: (ads: DeltaAdsServer) => AggregatedDiscoveryServiceHandlers,
  ): Promise<void> {
    this.ads = new DeltaAdsServer({
      source: this.store,
      logger: this.logger,
      debounceMs: 5,
      ...options,
    });
    this.grpc = new Server();
    this.grpc.addService(
      aggregatedDiscoveryServiceDefinition,
      wrap ? wrap(this.ads) : this.ads.implementation,
    );
    this.port = await new Promise<number>((resolve, reject) => {
      this.grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => {
        if (e) reject(e);
        else resolve(p);
      });
    });
    this.ads.start();
  }

  stream(metadata = new Metadata()) {
    let client = this.clients[0];
    if (client === undefined) {
      client = new AggregatedDiscoveryServiceClient(
        `127.0.0.1:${this.port}`,
        credentials.createInsecure(),
      );
      this.clients.push(client);
    }
    const call = client.deltaAggregatedResources(metadata);
    return { call, ...watch(call) };
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.close();
    this.grpc.forceShutdown();
    await this.ads.close();
  }
}

describe('delta-ADS server bounds what one client can make it hold', () => {
  let rig: Rig;
  afterEach(async () => {
    await rig.close();
  });

  it('refuses a type URL it does not serve with INVALID_ARGUMENT instead of keeping a state per junk type', async () => {
    rig = new Rig();
    await rig.start();
    const s = rig.stream();
    const junk = 3000;
    s.call.write(request({ node, typeUrl: 'type.googleapis.com/junk.Type0' }));
    for (let i = 1; i < junk; i += 1) {
      s.call.write(request({ typeUrl: `type.googleapis.com/junk.Type${i}` }));
    }
    s.call.write(request({ typeUrl: ADDRESS_TYPE_URL }));
    // The old server answered each junk type (empty) and then the Address one.
    const outcome = await s.until((r) => r.some((x) => x.typeUrl === ADDRESS_TYPE_URL));
    const statesHeld = rig.ads.snapshot().reduce((n, c) => n + c.types.length, 0);

    expect(outcome.code).toBe(status.INVALID_ARGUMENT);
    expect(outcome.details).toContain('junk.Type0');
    expect(outcome.details).toContain('is not served here');
    expect(statesHeld).toBe(0);
    recordAttack({
      finding: FINDING,
      attack: 'xDS: junk type URLs on one ADS stream',
      sent: `${junk} DeltaDiscoveryRequests, each for a different unserved type_url`,
      happened:
        `gRPC ${status[outcome.code ?? status.OK]} after the first ("${outcome.details.slice(0, 60)}…"); ` +
        `per-type states held: ${statesHeld}; responses sent: ${outcome.responses.length}`,
    });
  });

  it('closes a stream subscribing more names than maxNamesPerSubscription with RESOURCE_EXHAUSTED', async () => {
    rig = new Rig();
    await rig.start();
    const cap = DEFAULT_XDS_SERVER_LIMITS.maxNamesPerSubscription;
    const s = rig.stream();
    // Two requests: the second pushes the subscription past the cap.
    const names = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => `default/10.${from + i}.0.0`);
    s.call.write(
      request({ node, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: names(0, cap) }),
    );
    const first = await s.until((r) => r.length === 1);
    s.call.write(
      request({
        typeUrl: ADDRESS_TYPE_URL,
        responseNonce: first.responses[0]?.nonce ?? '',
        resourceNamesSubscribe: names(cap, cap),
      }),
    );
    const outcome = await s.until((r) => r.length === 2);
    const namesHeld = rig.ads
      .snapshot()
      .reduce((n, c) => n + c.types.reduce((m, t) => m + t.subscribedNames.length, 0), 0);

    expect(outcome.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(outcome.details).toContain('maxNamesPerSubscription');
    expect(namesHeld).toBe(0);
    recordAttack({
      finding: FINDING,
      attack: 'xDS: unbounded resource-name subscription',
      sent: `${cap} names, then ${cap} more on the same Address subscription`,
      happened: `gRPC ${status[outcome.code ?? status.OK]} (${outcome.details.slice(0, 50)}…); names held after: ${namesHeld}`,
    });
  });

  it('closes a stream subscribing a resource name longer than maxResourceNameBytes', async () => {
    rig = new Rig();
    await rig.start();
    const s = rig.stream();
    const long = `default/${'a'.repeat(256 * 1024)}`;
    s.call.write(request({ node, typeUrl: ADDRESS_TYPE_URL, resourceNamesSubscribe: [long] }));
    const outcome = await s.until((r) => r.length === 1);
    expect(outcome.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(outcome.details).toContain('maxResourceNameBytes');
    recordAttack({
      finding: FINDING,
      attack: 'xDS: oversized resource name',
      sent: `one subscribed name of ${long.length} bytes`,
      happened: `gRPC ${status[outcome.code ?? status.OK]} (${outcome.details.slice(0, 50)}…)`,
    });
  });

  it('serves at most maxStreamsPerPeer streams from one address and refuses the rest with RESOURCE_EXHAUSTED', async () => {
    rig = new Rig();
    await rig.start();
    const cap = DEFAULT_XDS_SERVER_LIMITS.maxStreamsPerPeer;
    const attempts = cap + 72;
    const streams = Array.from({ length: attempts }, () => rig.stream());
    for (const s of streams) s.call.write(request({ node, typeUrl: ADDRESS_TYPE_URL }));
    const outcomes = await Promise.all(streams.map((s) => s.until((r) => r.length > 0)));
    const served = rig.ads.snapshot().length;
    const refused = outcomes.filter((o) => o.code === status.RESOURCE_EXHAUSTED);

    expect(served).toBe(cap);
    expect(refused).toHaveLength(attempts - cap);
    expect(refused[0]?.details).toContain('maxStreamsPerPeer');
    recordAttack({
      finding: FINDING,
      attack: 'xDS: stream flood from one peer',
      sent: `${attempts} ADS streams from 127.0.0.1`,
      happened: `${served} served; ${refused.length} refused with gRPC ${status[refused[0]?.code ?? status.OK]} (${refused[0]?.details.slice(0, 40) ?? ''}…)`,
    });
    for (const s of streams) s.call.cancel();
  });

  it('serves at most maxStreams streams in total, however many peers ask', async () => {
    rig = new Rig();
    // An authenticating front passes each stream's identity, as istiod's does;
    // here the identity is a metadata value, so many peers share 127.0.0.1.
    await rig.start({ limits: { maxStreams: 8, maxStreamsPerPeer: 2 } }, (ads) => ({
      ...ads.implementation,
      DeltaAggregatedResources: (call) => {
        const identity = call.metadata.get('x-test-identity')[0];
        ads.handleStream(call, { identity: String(identity) });
      },
    }));
    const streams = Array.from({ length: 12 }, (_, i) => {
      const md = new Metadata();
      md.set('x-test-identity', `spiffe://cluster.local/ns/ns-${i}/sa/proxy`);
      return rig.stream(md);
    });
    for (const s of streams) s.call.write(request({ node, typeUrl: ADDRESS_TYPE_URL }));
    const outcomes = await Promise.all(streams.map((s) => s.until((r) => r.length > 0)));
    const served = rig.ads.snapshot().length;
    const refused = outcomes.filter((o) => o.code === status.RESOURCE_EXHAUSTED);

    expect(served).toBe(8);
    expect(refused).toHaveLength(4);
    expect(refused[0]?.details).toContain('maxStreams');
    expect(refused[0]?.details).not.toContain('maxStreamsPerPeer');
    recordAttack({
      finding: FINDING,
      attack: 'xDS: stream flood from many peers (total cap)',
      sent: '12 ADS streams, 12 distinct identities, server capped at 8 total',
      happened: `${served} served; ${refused.length} refused with gRPC ${status[refused[0]?.code ?? status.OK]} (${refused[0]?.details.slice(0, 30) ?? ''}…)`,
    });
    // A slot frees when a stream ends: the next peer is served again.
    streams[0]?.call.cancel();
    await expect.poll(() => rig.ads.snapshot().length).toBe(7);
    const md = new Metadata();
    md.set('x-test-identity', 'spiffe://cluster.local/ns/late/sa/proxy');
    const late = rig.stream(md);
    late.call.write(request({ node, typeUrl: ADDRESS_TYPE_URL }));
    const lateOutcome = await late.until((r) => r.length > 0);
    expect(lateOutcome.code).toBeUndefined();
    for (const s of [...streams, late]) s.call.cancel();
  });
});
