import { create } from '@bufbuild/protobuf';
import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { DeltaDiscoveryRequestSchema } from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Authorization } from '../gen/istio/security/authorization_pb.js';
import { AuthorizationSchema } from '../gen/istio/security/authorization_pb.js';
import { AddressSchema, TunnelProtocol, type Address } from '../gen/istio/workload/workload_pb.js';
import { UnknownTypeUrlError } from '../errors.js';
import {
  AggregatedDiscoveryServiceClient,
  aggregatedDiscoveryServiceDefinition,
} from '../grpc/ads-service.js';
import { ADDRESS_TYPE_URL, AUTHORIZATION_TYPE_URL } from '../type-urls.js';
import { EventLog } from '../test-support/event-log.js';
import { ManualTimers } from '../test-support/manual-timers.js';
import { RecordingLogger } from '../test-support/recording-logger.js';
import { authorization, workloadAddress } from '../test-support/resources.js';
import type { XdsClientEvent } from './client-events.js';
import { DeltaAdsClient, type AdsStream } from './delta-ads-client.js';
import { DeltaAdsServer } from './delta-ads-server.js';
import type { ResourceFilter } from './resource-filter.js';
import { ResourceStore } from './resource-store.js';
import type { XdsServerEvent } from './server-events.js';
import type { Timers } from './timers.js';
import { typeSubscription, type ResourceUpdate } from './type-subscription.js';

// Real grpc-js over 127.0.0.1: a DeltaAdsServer fed by a ResourceStore and one
// or more DeltaAdsClients. Every wait is on an event, never on elapsed time.

const node = { id: 'ztunnel~127.0.0.1~zt-1.istio-system~istio-system.svc.cluster.local' };

// Let grpc-js retry the TCP connection quickly; the xDS client's own backoff
// decides when a new stream is attempted.
const channelOptions = {
  'grpc.initial_reconnect_backoff_ms': 20,
  'grpc.max_reconnect_backoff_ms': 100,
};

interface Running {
  readonly ads: DeltaAdsServer;
  readonly grpc: Server;
  readonly port: number;
}

class Harness {
  readonly store = new ResourceStore();
  readonly serverEvents = new EventLog<XdsServerEvent>();
  readonly serverLogger = new RecordingLogger();
  server: Running | undefined;
  private readonly cleanups: (() => Promise<void> | void)[] = [];

  async startServer(options: { port?: number; filter?: ResourceFilter } = {}): Promise<Running> {
    const ads = new DeltaAdsServer({
      source: this.store,
      logger: this.serverLogger,
      debounceMs: 20,
      onEvent: this.serverEvents.push,
      ...(options.filter === undefined ? {} : { filter: options.filter }),
    });
    const grpc = new Server();
    grpc.addService(aggregatedDiscoveryServiceDefinition, ads.implementation);
    const port = await new Promise<number>((resolve, reject) => {
      grpc.bindAsync(
        `127.0.0.1:${options.port ?? 0}`,
        ServerCredentials.createInsecure(),
        (error, bound) => {
          if (error === null) resolve(bound);
          else reject(error);
        },
      );
    });
    ads.start();
    this.server = { ads, grpc, port };
    return this.server;
  }

  async stopServer(): Promise<void> {
    const running = this.server;
    this.server = undefined;
    if (running === undefined) return;
    running.grpc.forceShutdown();
    await running.ads.close();
  }

  grpcClient(): AggregatedDiscoveryServiceClient {
    if (this.server === undefined) throw new Error('start the server first');
    const client = new AggregatedDiscoveryServiceClient(
      `127.0.0.1:${this.server.port}`,
      credentials.createInsecure(),
      channelOptions,
    );
    this.cleanups.push(() => {
      client.close();
    });
    return client;
  }

  client(options: {
    wildcard?: boolean;
    names?: string[];
    rejectAddress?: (address: Address, name: string) => string | undefined;
    timers?: Timers;
    withAuthorization?: boolean;
  }) {
    const grpcClient = this.grpcClient();
    const events = new EventLog<XdsClientEvent>();
    const logger = new RecordingLogger();
    const addresses = new EventLog<ResourceUpdate<Address>>();
    const policies = new EventLog<ResourceUpdate<Authorization>>();
    const applied = new Map<string, Address>();
    const streams: AdsStream[] = [];
    const subscriptions = [
      typeSubscription(AddressSchema, {
        ...(options.wildcard === undefined ? {} : { wildcard: options.wildcard }),
        ...(options.names === undefined ? {} : { names: options.names }),
        apply: (update) => {
          for (const resource of update.added) {
            const reason = options.rejectAddress?.(resource.message, resource.name);
            if (reason !== undefined) throw new Error(`${resource.name}: ${reason}`);
          }
          for (const resource of update.added) applied.set(resource.name, resource.message);
          for (const name of update.removed) applied.delete(name);
          addresses.push(update);
        },
      }),
      ...(options.withAuthorization === false
        ? []
        : [typeSubscription(AuthorizationSchema, { apply: policies.push })]),
    ];
    const client = new DeltaAdsClient({
      connect: () => {
        const stream = grpcClient.deltaAggregatedResources(new Metadata());
        streams.push(stream);
        return stream;
      },
      node,
      subscriptions,
      logger,
      onEvent: events.push,
      ...(options.timers === undefined ? {} : { timers: options.timers }),
    });
    this.cleanups.push(() => client.close());
    return { client, events, logger, addresses, policies, applied, streams };
  }

  async dispose(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup();
    await this.stopServer();
  }

  setWorkloads(...uids: string[]): void {
    this.store.update(ADDRESS_TYPE_URL, {
      set: uids.map((uid) => ({ name: uid, resource: workloadAddress(uid) })),
    });
  }
}

const ackedAddress = (e: XdsClientEvent) => e.kind === 'acked' && e.typeUrl === ADDRESS_TYPE_URL;

let harness: Harness;
afterEach(async () => {
  await harness.dispose();
});

describe('delta ADS over loopback gRPC', () => {
  it('syncs a wildcard client, sends an empty Authorization response, and reports ready', async () => {
    harness = new Harness();
    harness.setWorkloads('w-1', 'w-2');
    await harness.startServer();
    const zt = harness.client({});
    zt.client.start();
    await zt.client.whenReady();

    const [addressUpdate] = zt.addresses.events;
    expect(addressUpdate?.added.map((r) => r.name).sort()).toEqual(['w-1', 'w-2']);
    expect(addressUpdate?.added[0]?.message.type.case).toBe('workload');
    expect(zt.policies.events).toHaveLength(1);
    expect(zt.policies.events[0]?.added).toEqual([]);
    expect(zt.client.ready).toBe(true);

    await harness.serverEvents.waitForCount((e) => e.kind === 'ack', 2);
    const [connection] = harness.server!.ads.snapshot();
    expect(connection?.proxyId).toBe(node.id);
    const types = Object.fromEntries(connection!.types.map((t) => [t.typeUrl, t]));
    expect(types[ADDRESS_TYPE_URL]).toMatchObject({ wildcard: true, state: 'acked' });
    expect(types[ADDRESS_TYPE_URL]?.lastAckedNonce).toBe(types[ADDRESS_TYPE_URL]?.lastSentNonce);
    expect(Object.keys(types[ADDRESS_TYPE_URL]?.ackedVersions ?? {}).sort()).toEqual([
      'w-1',
      'w-2',
    ]);
    expect(types[AUTHORIZATION_TYPE_URL]).toMatchObject({ state: 'acked', acks: 1 });
  });

  it('pushes only the changed resource after the initial sync', async () => {
    harness = new Harness();
    harness.setWorkloads('w-1', 'w-2');
    await harness.startServer();
    const zt = harness.client({});
    zt.client.start();
    await zt.client.whenReady();

    const from = zt.addresses.mark();
    harness.store.set(ADDRESS_TYPE_URL, {
      name: 'w-2',
      resource: workloadAddress('w-2', { node: 'node-b' }),
    });
    const update = await zt.addresses.waitFor(() => true, from);
    expect(update.added.map((r) => r.name)).toEqual(['w-2']);
    expect(update.removed).toEqual([]);
    const w2 = zt.applied.get('w-2');
    expect(w2?.type.case === 'workload' && w2.type.value.node).toBe('node-b');
  });

  it('delivers a deletion as removed_resources and forgets its version', async () => {
    harness = new Harness();
    harness.setWorkloads('w-1', 'w-2');
    await harness.startServer();
    const zt = harness.client({});
    zt.client.start();
    await zt.client.whenReady();

    const from = zt.addresses.mark();
    const ackFrom = zt.events.mark();
    harness.store.remove(ADDRESS_TYPE_URL, 'w-1');
    const update = await zt.addresses.waitFor(() => true, from);
    await zt.events.waitFor(ackedAddress, ackFrom);
    expect(update.added).toEqual([]);
    expect(update.removed).toEqual(['w-1']);
    expect([...zt.applied.keys()]).toEqual(['w-2']);
    const known = zt.client.snapshot().types.find((t) => t.typeUrl === ADDRESS_TYPE_URL);
    expect(Object.keys(known?.knownVersions ?? {})).toEqual(['w-2']);
  });

  it('coalesces a burst of changes into a single push per type', async () => {
    harness = new Harness();
    await harness.startServer();
    const zt = harness.client({});
    zt.client.start();
    await zt.client.whenReady();

    const pushesFrom = harness.serverEvents.mark();
    const updatesFrom = zt.addresses.mark();
    const uids = Array.from({ length: 25 }, (_, i) => `w-${i}`);
    for (const uid of uids) harness.setWorkloads(uid);
    for (const nodeName of ['n-1', 'n-2', 'n-3']) {
      harness.store.set(ADDRESS_TYPE_URL, {
        name: 'w-0',
        resource: workloadAddress('w-0', { node: nodeName }),
      });
    }
    harness.store.set(AUTHORIZATION_TYPE_URL, {
      name: 'ns/p',
      resource: authorization('ns', 'p'),
    });
    expect(harness.store.generation()).toBe(29);

    const update = await zt.addresses.waitFor(() => true, updatesFrom);
    await zt.policies.waitFor((u) => u.added.length === 1);
    await harness.serverEvents.waitForCount((e) => e.kind === 'ack', 2, pushesFrom);
    const pushes = harness.serverEvents
      .since(pushesFrom)
      .filter((e) => e.kind === 'push')
      .map((e) => e.typeUrl);
    expect(pushes.sort()).toEqual([AUTHORIZATION_TYPE_URL, ADDRESS_TYPE_URL]);
    expect(update.added).toHaveLength(25);
    const w0 = zt.applied.get('w-0');
    expect(w0?.type.case === 'workload' && w0.type.value.node).toBe('n-3');
  });

  it('on NACK keeps the last good state, logs the error detail, and accepts the next good push', async () => {
    harness = new Harness();
    harness.setWorkloads('w-1');
    await harness.startServer();
    const zt = harness.client({
      rejectAddress: (address) =>
        address.type.case === 'workload' &&
        address.type.value.tunnelProtocol === TunnelProtocol.LEGACY_ISTIO_MTLS
          ? 'LEGACY_ISTIO_MTLS is not supported'
          : undefined,
    });
    zt.client.start();
    await zt.client.whenReady();
    const goodVersions = zt.client.snapshot().types[0]?.knownVersions;

    const from = zt.events.mark();
    harness.store.set(ADDRESS_TYPE_URL, {
      name: 'legacy',
      resource: workloadAddress('legacy', { tunnel: TunnelProtocol.LEGACY_ISTIO_MTLS }),
    });
    const nacked = await zt.events.waitFor((e) => e.kind === 'nacked', from);
    const serverNack = await harness.serverEvents.waitFor(
      (e): e is Extract<XdsServerEvent, { kind: 'nack' }> => e.kind === 'nack',
    );

    expect(nacked).toMatchObject({ error: 'legacy: LEGACY_ISTIO_MTLS is not supported' });
    expect(serverNack).toMatchObject({ error: 'legacy: LEGACY_ISTIO_MTLS is not supported' });
    expect(zt.client.snapshot().types[0]?.knownVersions).toEqual(goodVersions);
    expect([...zt.applied.keys()]).toEqual(['w-1']);
    expect(
      harness.serverLogger
        .at('warn')
        .some((entry) => entry.fields['errorDetail'] === serverNack.error),
    ).toBe(true);
    const serverType = harness
      .server!.ads.snapshot()[0]
      ?.types.find((t) => t.typeUrl === ADDRESS_TYPE_URL);
    expect(serverType).toMatchObject({ state: 'nacked', nacks: 1 });
    expect(Object.keys(serverType?.ackedVersions ?? {})).toEqual(['w-1']);

    // The control plane fixes the resource; the push is accepted.
    const fixFrom = zt.events.mark();
    harness.store.set(ADDRESS_TYPE_URL, {
      name: 'legacy',
      resource: workloadAddress('legacy', { tunnel: TunnelProtocol.HBONE }),
    });
    await zt.events.waitFor(ackedAddress, fixFrom);
    expect([...zt.applied.keys()].sort()).toEqual(['legacy', 'w-1']);
    await harness.serverEvents.waitForCount(
      (e) => e.kind === 'ack' && e.typeUrl === ADDRESS_TYPE_URL,
      2,
    );
    expect(
      harness.server!.ads.snapshot()[0]?.types.find((t) => t.typeUrl === ADDRESS_TYPE_URL),
    ).toMatchObject({
      state: 'acked',
      lastNackError: 'legacy: LEGACY_ISTIO_MTLS is not supported',
    });
  });

  it('serves a named subscription only its names and answers on-demand additions', async () => {
    harness = new Harness();
    harness.setWorkloads('w-1', 'w-2', 'w-3');
    await harness.startServer();
    const zt = harness.client({ names: ['w-1'], withAuthorization: false });
    zt.client.start();
    await zt.client.whenReady();
    expect(zt.addresses.events[0]?.added.map((r) => r.name)).toEqual(['w-1']);

    const from = zt.addresses.mark();
    zt.client.subscribe(ADDRESS_TYPE_URL, ['w-2', 'nope']);
    const onDemand = await zt.addresses.waitFor(() => true, from);
    expect(onDemand.added.map((r) => r.name)).toEqual(['w-2']);
    expect(onDemand.removed).toEqual(['nope']);

    // A change to an unsubscribed name is not sent; one to a subscribed name is.
    const next = zt.addresses.mark();
    harness.store.update(ADDRESS_TYPE_URL, {
      set: [
        { name: 'w-3', resource: workloadAddress('w-3', { node: 'x' }) },
        { name: 'w-1', resource: workloadAddress('w-1', { node: 'x' }) },
      ],
    });
    const pushed = await zt.addresses.waitFor(() => true, next);
    expect(pushed.added.map((r) => r.name)).toEqual(['w-1']);
    expect(() => {
      zt.client.subscribe('type.googleapis.com/unknown.Type', ['a']);
    }).toThrow(UnknownTypeUrlError);
  });

  it('resumes after a dropped stream with initial_resource_versions, receiving only differences', async () => {
    harness = new Harness();
    harness.setWorkloads('w-1', 'w-2', 'w-3');
    await harness.startServer();
    const timers = new ManualTimers();
    const zt = harness.client({ timers });
    zt.client.start();
    await zt.client.whenReady();

    const from = zt.events.mark();
    zt.streams[0]!.cancel();
    const dropped = await zt.events.waitFor((e) => e.kind === 'disconnected', from);
    expect(dropped).toMatchObject({ code: status.CANCELLED, nextAttempt: 1 });
    await harness.serverEvents.waitFor((e) => e.kind === 'disconnected');

    // While the client is away: one deleted, one changed, one untouched.
    harness.store.remove(ADDRESS_TYPE_URL, 'w-1');
    harness.store.set(ADDRESS_TYPE_URL, {
      name: 'w-2',
      resource: workloadAddress('w-2', { node: 'moved' }),
    });
    const pushesFrom = harness.serverEvents.mark();
    const updatesFrom = zt.addresses.mark();
    timers.fireAll();

    const resumed = await zt.addresses.waitFor(() => true, updatesFrom);
    expect(resumed.added.map((r) => r.name)).toEqual(['w-2']);
    expect(resumed.removed).toEqual(['w-1']);
    await zt.policies.waitForCount(() => true, 2);
    const pushes = harness.serverEvents.since(pushesFrom).filter((e) => e.kind === 'push');
    expect(Object.fromEntries(pushes.map((p) => [p.typeUrl, p.resources]))).toEqual({
      [ADDRESS_TYPE_URL]: ['w-2'],
      [AUTHORIZATION_TYPE_URL]: [],
    });
    expect(zt.streams).toHaveLength(2);
    expect([...zt.applied.keys()].sort()).toEqual(['w-2', 'w-3']);
  });

  it('backs off while the server is down and resyncs with the restarted server without duplicates', async () => {
    harness = new Harness();
    harness.setWorkloads('w-1', 'w-2');
    const first = await harness.startServer();
    const zt = harness.client({});
    zt.client.start();
    await zt.client.whenReady();

    const from = zt.events.mark();
    await harness.stopServer();
    // The drop, then at least one failed attempt against the dead port.
    const downs = await zt.events.waitForCount((e) => e.kind === 'disconnected', 2, from);
    expect(downs.map((e) => e.kind === 'disconnected' && e.nextAttempt).slice(0, 2)).toEqual([
      1, 2,
    ]);

    harness.setWorkloads('w-9');
    const updatesFrom = zt.addresses.mark();
    await harness.startServer({ port: first.port });
    const resumed = await zt.addresses.waitFor(() => true, updatesFrom);
    expect(resumed.added.map((r) => r.name)).toEqual(['w-9']);
    expect(resumed.removed).toEqual([]);
    expect([...zt.applied.keys()].sort()).toEqual(['w-1', 'w-2', 'w-9']);
    const connections = harness.server!.ads.snapshot();
    expect(connections).toHaveLength(1);
    expect(connections[0]?.proxyId).toBe(node.id);
  });

  it('closes the client on AbortSignal and the server sees the stream end', async () => {
    harness = new Harness();
    await harness.startServer();
    const zt = harness.client({});
    const abort = new AbortController();
    zt.client.start(abort.signal);
    await zt.client.whenReady();

    abort.abort();
    await zt.events.waitFor((e) => e.kind === 'closed');
    await harness.serverEvents.waitFor((e) => e.kind === 'disconnected');
    expect(harness.server!.ads.snapshot()).toEqual([]);
    expect(zt.client.snapshot().connected).toBe(false);
  });

  it('ends every stream when the server is aborted, and refuses new ones', async () => {
    harness = new Harness();
    const { ads } = await harness.startServer();
    const zt = harness.client({});
    zt.client.start();
    await zt.client.whenReady();

    const from = zt.events.mark();
    await ads.close();
    const down = await zt.events.waitFor((e) => e.kind === 'disconnected', from);
    expect(down).toMatchObject({ reason: 'the server ended the stream' });
    const refused = await zt.events.waitFor(
      (e) => e.kind === 'disconnected' && e.code === status.UNAVAILABLE,
      from,
    );
    expect(refused).toMatchObject({ reason: 'xDS server is shutting down' });
  });

  it('rejects a client whose readiness never came when it is closed first', async () => {
    harness = new Harness();
    await harness.startServer();
    const zt = harness.client({});
    const ready = zt.client.whenReady();
    await zt.client.close();
    await expect(ready).rejects.toThrow(/closed before every subscribed type was ACKed/);
  });

  it('closes a stream whose first request has no node with INVALID_ARGUMENT', async () => {
    harness = new Harness();
    await harness.startServer();
    const stream = harness.grpcClient().deltaAggregatedResources();
    const failed = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    stream.write(create(DeltaDiscoveryRequestSchema, { typeUrl: ADDRESS_TYPE_URL }));
    const error = await failed;
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/must carry node/);
  });

  it('closes only the stream whose filter throws, with INTERNAL, and keeps serving others', async () => {
    harness = new Harness();
    harness.setWorkloads('w-1');
    await harness.startServer({
      filter: (proxy) => {
        if (proxy.id === 'broken') throw new Error('no index entry for proxy broken');
        return () => true;
      },
    });
    const broken = harness.grpcClient().deltaAggregatedResources();
    const failed = new Promise<ServiceError>((resolve) => broken.on('error', resolve));
    broken.write(
      create(DeltaDiscoveryRequestSchema, { node: { id: 'broken' }, typeUrl: ADDRESS_TYPE_URL }),
    );
    const error = await failed;
    expect(error.code).toBe(status.INTERNAL);
    expect(error.details).toBe('no index entry for proxy broken');

    const zt = harness.client({});
    zt.client.start();
    await zt.client.whenReady();
    expect(zt.addresses.events[0]?.added.map((r) => r.name)).toEqual(['w-1']);
  });

  it('answers a state-of-the-world stream with UNIMPLEMENTED', async () => {
    harness = new Harness();
    await harness.startServer();
    const method = aggregatedDiscoveryServiceDefinition.StreamAggregatedResources;
    const stream = harness
      .grpcClient()
      .makeBidiStreamRequest(method.path, method.requestSerialize, method.responseDeserialize);
    const failed = new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    stream.end();
    expect((await failed).code).toBe(status.UNIMPLEMENTED);
  });
});
