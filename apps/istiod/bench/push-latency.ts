// Push latency: one object change → every one of N connected delta-ADS
// clients has ACKed the resulting push. istiod's index, xDS store and
// delta-ADS server run in this process on a loopback gRPC port; each client is
// the xds-types DeltaAdsClient on its own channel (its own HTTP/2
// connection), as N ztunnels would be. The change enters where an informer
// event would (the Pod store), so the API server's own watch latency is not
// included; the debounce window is.

import { credentials, Server, ServerCredentials } from '@grpc/grpc-js';
import {
  ADDRESS_TYPE_URL,
  AggregatedDiscoveryServiceClient,
  aggregatedDiscoveryServiceDefinition,
  DeltaAdsClient,
  security,
  typeSubscription,
  workload,
} from '@ambient-ts/xds-types';
import { AmbientIndex } from '../src/ambient/ambient-index.js';
import { DEFAULT_INDEX_CONFIG } from '../src/ambient/index-config.js';
import { createIndexInputs } from '../src/ambient/inputs.js';
import { pod, service } from '../src/ambient/testing/fixtures.js';
import { silentLogger } from '../src/runtime/logger.js';
import { IndexLoop } from '../src/xds/index-loop.js';
import { XdsCore } from '../src/xds/xds-core.js';

export interface PushLatencyOptions {
  readonly clients: number;
  /** Workloads in the mesh before measuring (the initial sync each client receives). */
  readonly workloads: number;
  readonly changes: number;
  readonly debounceMs: number;
}

export interface PushLatencyResult {
  readonly options: PushLatencyOptions;
  /** ms from the change to the last client's ACK, per change. */
  readonly samplesMs: readonly number[];
  /** ms for all clients to connect and ACK the initial full push. */
  readonly initialSyncMs: number;
}

export async function measurePushLatency(options: PushLatencyOptions): Promise<PushLatencyResult> {
  const inputs = createIndexInputs();
  const config = { ...DEFAULT_INDEX_CONFIG };
  const holder: { loop?: IndexLoop } = {};
  const index = new AmbientIndex({ inputs, config, onDirty: () => holder.loop?.poke() });
  const acks: { typeUrl: string; at: number }[] = [];
  const xds = new XdsCore({
    index,
    inputs,
    logger: silentLogger,
    debounceMs: options.debounceMs,
    onEvent: (e) => {
      if (e.kind === 'ack') acks.push({ typeUrl: e.typeUrl, at: performance.now() });
    },
  });
  const loop = new IndexLoop({
    index,
    logger: silentLogger,
    onChange: (c) => {
      xds.publish(c);
    },
  });
  holder.loop = loop;
  for (let i = 0; i < 20; i += 1) {
    inputs.services.upsert(
      service(`svc-${i}`, { ip: `10.96.1.${i + 1}`, selector: { app: `app-${i}` } }),
    );
  }
  for (let i = 0; i < options.workloads; i += 1) {
    inputs.pods.upsert(
      pod(`pod-${i}`, {
        ip: `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        labels: { app: `app-${i % 20}` },
        node: `node-${i % 10}`,
      }),
    );
  }
  loop.flushNow();
  xds.start();
  const server = new Server();
  server.addService(aggregatedDiscoveryServiceDefinition, xds.ads.implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => {
      if (e) reject(e);
      else resolve(p);
    });
  });

  const seen: Set<string>[] = [];
  const grpcClients: AggregatedDiscoveryServiceClient[] = [];
  const clients: DeltaAdsClient[] = [];
  const t0 = performance.now();
  for (let i = 0; i < options.clients; i += 1) {
    const names = new Set<string>();
    seen.push(names);
    // A distinct channel option makes grpc-js open a separate connection per client.
    const grpcClient = new AggregatedDiscoveryServiceClient(
      `127.0.0.1:${port}`,
      credentials.createInsecure(),
      {
        'grpc.max_receive_message_length': 200 * 1024 * 1024,
        'bench.client': i,
      },
    );
    grpcClients.push(grpcClient);
    const client = new DeltaAdsClient({
      connect: () => grpcClient.deltaAggregatedResources(),
      node: {
        id: `ztunnel~10.0.0.${i}~ztunnel-${i}.istio-system~istio-system.svc.cluster.local`,
        metadata: { NODE_NAME: `node-${i % 10}` },
      },
      subscriptions: [
        typeSubscription(workload.AddressSchema, {
          apply: (u) => {
            for (const r of u.added) names.add(r.name);
          },
        }),
        typeSubscription(security.AuthorizationSchema, { apply: () => undefined }),
      ],
      logger: silentLogger,
    });
    clients.push(client);
    client.start();
  }
  await Promise.all(clients.map((c) => c.whenReady()));
  const initialSyncMs = performance.now() - t0;

  const samplesMs: number[] = [];
  for (let n = 0; n < options.changes; n += 1) {
    const before = acks.filter((a) => a.typeUrl === ADDRESS_TYPE_URL).length;
    const name = `changed-${n}`;
    const start = performance.now();
    inputs.pods.upsert(
      pod(name, { ip: `10.250.${Math.floor(n / 250)}.${(n % 250) + 1}`, labels: { app: 'app-1' } }),
    );
    const uid = `Kubernetes//Pod/default/${name}`;
    // Done when every client has applied the change and its ACK reached the server.
    for (;;) {
      const acked = acks.filter((a) => a.typeUrl === ADDRESS_TYPE_URL).length - before;
      if (acked >= options.clients && seen.every((s) => s.has(uid))) break;
      await new Promise((r) => setImmediate(r));
    }
    const roundAcks = acks.filter((a) => a.typeUrl === ADDRESS_TYPE_URL).slice(before);
    samplesMs.push(Math.max(...roundAcks.map((a) => a.at)) - start);
    await new Promise((r) => setTimeout(r, 20));
  }

  await Promise.all(clients.map((c) => c.close()));
  for (const c of grpcClients) c.close();
  await xds.close();
  server.forceShutdown();
  loop.close();
  index.close();
  return { options, samplesMs, initialSyncMs };
}
