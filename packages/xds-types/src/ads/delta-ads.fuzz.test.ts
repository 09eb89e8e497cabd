// Fuzz: both ends of delta ADS fed what an attacker on the stream could send.
// Server: any sequence of DeltaDiscoveryRequests (structured, or any bytes
// through the gRPC deserializer) is handled or refused with a typed error that
// closes the stream; a response is never sent for a type that is not served,
// and nonces are never reused. Client: any sequence of DeltaDiscoveryResponses
// is answered once per response, with an ACK or a NACK, and `apply` only ever
// sees a response whose every resource decoded (all or nothing).
import { EventEmitter } from 'node:events';
import { create, toBinary } from '@bufbuild/protobuf';
import { fuzz, fuzzTimeoutMs, isProtobufDecodeError } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XdsLimitExceededError, XdsProtocolError } from '../errors.js';
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { AddressSchema } from '../gen/istio/workload/workload_pb.js';
import { AuthorizationSchema } from '../gen/istio/security/authorization_pb.js';
import { aggregatedDiscoveryServiceDefinition as ads } from '../grpc/ads-service.js';
import { RecordingLogger } from '../test-support/recording-logger.js';
import { authorization, workloadAddress } from '../test-support/resources.js';
import { ADDRESS_TYPE_URL, AUTHORIZATION_TYPE_URL, SERVED_TYPE_URLS } from '../type-urls.js';
import { DeltaAdsClient, type AdsStream } from './delta-ads-client.js';
import { subscribedResources } from './resource-filter.js';
import { ResourceStore } from './resource-store.js';
import { AdsConnection } from './server-connection.js';
import { resolveXdsServerLimits } from './server-limits.js';
import { typeSubscription, type ResourceUpdate } from './type-subscription.js';

const TYPE_URLS = [ADDRESS_TYPE_URL, AUTHORIZATION_TYPE_URL, '', 'type.googleapis.com/junk'];
const NAMES = ['*', 'a', 'b', 'c', ''];
const name = fc.constantFrom(...NAMES);

const requestInit = fc.record({
  withNode: fc.boolean(),
  typeUrl: fc.constantFrom(...TYPE_URLS),
  subscribe: fc.array(name, { maxLength: 4 }),
  unsubscribe: fc.array(name, { maxLength: 3 }),
  nonce: fc.constantFrom('', 'n1', 'n2', 'n3', 'stale'),
  nack: fc.boolean(),
});

function toRequest(r: typeof requestInit extends fc.Arbitrary<infer T> ? T : never) {
  return create(DeltaDiscoveryRequestSchema, {
    ...(r.withNode
      ? { node: { id: 'ztunnel~10.0.0.9~zt.istio-system~istio-system.svc.cluster.local' } }
      : {}),
    typeUrl: r.typeUrl,
    resourceNamesSubscribe: r.subscribe,
    resourceNamesUnsubscribe: r.unsubscribe,
    responseNonce: r.nonce,
    ...(r.nack && r.nonce !== '' ? { errorDetail: { code: 3, message: 'bad' } } : {}),
  });
}

/** A request as the gRPC layer hands it over: valid bytes, mutated bytes, or any bytes. */
const wireRequest: fc.Arbitrary<DeltaDiscoveryRequest | undefined> = fc
  .oneof(
    requestInit.map((r) => toBinary(DeltaDiscoveryRequestSchema, toRequest(r))),
    fc.tuple(requestInit, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([r, at, b]) => {
      const bytes = toBinary(DeltaDiscoveryRequestSchema, toRequest(r));
      if (bytes.length > 0) bytes[at % bytes.length] = b;
      return bytes;
    }),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map((bytes) => {
    try {
      return ads.DeltaAggregatedResources.requestDeserialize(Buffer.from(bytes));
    } catch (err) {
      if (!isProtobufDecodeError(err)) throw err;
      return undefined;
    }
  });

function serverStream(requests: readonly (DeltaDiscoveryRequest | undefined)[]): void {
  const store = new ResourceStore();
  store.update(ADDRESS_TYPE_URL, {
    set: ['a', 'b'].map((n) => ({ name: n, resource: workloadAddress(n) })),
  });
  store.update(AUTHORIZATION_TYPE_URL, {
    set: [{ name: 'ns/p', resource: authorization('ns', 'p') }],
  });
  const sent: DeltaDiscoveryResponse[] = [];
  let nonces = 0;
  const conn = new AdsConnection({
    connectionId: 'c1',
    peer: 'ipv4:127.0.0.1:5000',
    connectedAt: new Date(0),
    source: store,
    filter: subscribedResources,
    logger: new RecordingLogger(),
    send: (r) => {
      sent.push(r);
    },
    nextNonce: () => `n${++nonces}`,
    onEvent: () => undefined,
    servedTypes: new Set(SERVED_TYPE_URLS),
    limits: resolveXdsServerLimits({ maxNamesPerSubscription: 3 }),
  });
  for (const request of requests) {
    if (request === undefined) continue; // the gRPC layer failed the call
    try {
      conn.handleRequest(request);
    } catch (err) {
      // The stream is closed with INVALID_ARGUMENT / RESOURCE_EXHAUSTED: stop feeding it.
      if (!(err instanceof XdsProtocolError) && !(err instanceof XdsLimitExceededError)) throw err;
      break;
    }
  }
  for (const r of sent) expect(SERVED_TYPE_URLS).toContain(r.typeUrl);
  expect(new Set(sent.map((r) => r.nonce)).size).toBe(sent.length);
  for (const t of conn.snapshot().types) {
    expect(t.subscribedNames).not.toContain('*');
    expect(t.subscribedNames.length).toBeLessThanOrEqual(3);
  }
}

/** A stand-in for the grpc-js duplex: records what the client writes. */
class FakeStream extends EventEmitter {
  readonly written: DeltaDiscoveryRequest[] = [];
  write(request: DeltaDiscoveryRequest): boolean {
    this.written.push(request);
    return true;
  }
  cancel(): void {
    this.removeAllListeners();
  }
  end(): void {
    this.cancel();
  }
}

const resourceArb = fc.record({
  name: name,
  version: fc.constantFrom('1', '2', ''),
  body: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc
      .constantFrom(ADDRESS_TYPE_URL, AUTHORIZATION_TYPE_URL)
      .map((typeUrl) => ({ kind: 'valid' as const, typeUrl })),
    fc.record({
      kind: fc.constant('bytes' as const),
      typeUrl: fc.constantFrom(...TYPE_URLS),
      value: fc.uint8Array({ maxLength: 40 }),
    }),
  ),
});
const responseArb = fc.record({
  typeUrl: fc.constantFrom(...TYPE_URLS),
  nonce: fc.string({ maxLength: 4 }),
  resources: fc.array(resourceArb, { maxLength: 4 }),
  removed: fc.array(name, { maxLength: 2 }),
});

function toResponse(r: typeof responseArb extends fc.Arbitrary<infer T> ? T : never) {
  return create(DeltaDiscoveryResponseSchema, {
    typeUrl: r.typeUrl,
    nonce: r.nonce,
    removedResources: r.removed,
    resources: r.resources.map((res) => ({
      name: res.name,
      version: res.version,
      ...(res.body.kind === 'none'
        ? {}
        : res.body.kind === 'valid'
          ? {
              resource:
                res.body.typeUrl === ADDRESS_TYPE_URL
                  ? workloadAddress(res.name)
                  : authorization('ns', res.name),
            }
          : { resource: { typeUrl: res.body.typeUrl, value: res.body.value } }),
    })),
  });
}

async function clientStream(responses: readonly DeltaDiscoveryResponse[]): Promise<void> {
  const stream = new FakeStream();
  const applied: ResourceUpdate<unknown>[] = [];
  const client = new DeltaAdsClient({
    connect: () => stream as unknown as AdsStream,
    node: { id: 'ztunnel~10.0.0.9~zt.istio-system~istio-system.svc.cluster.local' },
    subscriptions: [
      typeSubscription(AddressSchema, { apply: (u) => void applied.push(u) }),
      typeSubscription(AuthorizationSchema, { apply: (u) => void applied.push(u) }),
    ],
    logger: new RecordingLogger(),
  });
  client.start();
  const initial = stream.written.length;
  for (const r of responses) stream.emit('data', r);
  await new Promise((resolve) => setImmediate(resolve));
  const answers = stream.written.slice(initial);
  // One ACK or NACK per response, in order, echoing its nonce.
  expect(answers.map((a) => a.responseNonce)).toEqual(responses.map((r) => r.nonce));
  const acked = responses.filter((_, i) => answers[i]?.errorDetail === undefined);
  expect(applied.map((u) => u.nonce)).toEqual(acked.map((r) => r.nonce));
  for (const u of applied) {
    for (const res of u.added) expect(res.message).toBeDefined();
  }
  await client.close();
}

describe('delta ADS on hostile input (fuzz)', () => {
  it(
    'the server handles or refuses (typed) any request sequence',
    () =>
      fuzz(
        'xds: DeltaDiscoveryRequest → server stream',
        fc.property(fc.array(wireRequest, { maxLength: 8 }), serverStream),
      ),
    fuzzTimeoutMs(),
  );

  it(
    'the client answers every response once, and applies only fully decoded ones',
    () =>
      fuzz(
        'xds: DeltaDiscoveryResponse → client',
        fc.asyncProperty(fc.array(responseArb.map(toResponse), { maxLength: 5 }), clientStream),
        { runs: 200 },
      ),
    fuzzTimeoutMs(),
  );

  it(
    'any bytes as a DeltaDiscoveryResponse decode or fail as a protobuf error',
    () =>
      fuzz(
        'xds: DeltaDiscoveryResponse bytes decode',
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          try {
            ads.DeltaAggregatedResources.responseDeserialize(Buffer.from(bytes));
          } catch (err) {
            if (!isProtobufDecodeError(err)) throw err;
          }
        }),
      ),
    fuzzTimeoutMs(),
  );
});
