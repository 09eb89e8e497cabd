// A ztunnel-like delta-ADS client for tests: the xds-types DeltaAdsClient
// subscribed to Address and Authorization (and optionally waypoint
// listeners), recording every update it applies and able to reject chosen
// resources (NACK) the way ztunnel does.

import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import {
  AggregatedDiscoveryServiceClient,
  DeltaAdsClient,
  security,
  typeSubscription,
  waypoint,
  workload,
  type ResourceUpdate,
  type TypeSubscription,
  type XdsClientEvent,
} from '@ambient-ts/xds-types';
import { silentLogger } from '../../runtime/logger.js';

export interface RecordedUpdate {
  readonly typeUrl: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

export interface RecordingClientOptions {
  readonly target: string;
  readonly credentials?: ChannelCredentials;
  readonly channelOptions?: Record<string, string | number>;
  readonly nodeId?: string;
  readonly metadata?: Record<string, string>;
  /** Sent as `authorization: Bearer <token>` on every stream, as proxies do. */
  readonly token?: string;
  /** NACK any response containing a resource this returns true for. */
  readonly reject?: (name: string) => boolean;
  /** Named Address subscriptions instead of wildcard. */
  readonly addressNames?: readonly string[];
  readonly waypointListeners?: boolean;
}

export class RecordingAdsClient {
  readonly addresses = new Map<string, workload.Address>();
  readonly authorizations = new Map<string, security.Authorization>();
  readonly listeners = new Map<string, waypoint.WaypointListener>();
  readonly updates: RecordedUpdate[] = [];
  readonly events: XdsClientEvent[] = [];
  readonly client: DeltaAdsClient;
  private readonly grpcClient: AggregatedDiscoveryServiceClient;
  private readonly waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(options: RecordingClientOptions) {
    this.grpcClient = new AggregatedDiscoveryServiceClient(
      options.target,
      options.credentials ?? credentials.createInsecure(),
      options.channelOptions ?? {},
    );
    const apply =
      <T>(map: Map<string, T>) =>
      (u: ResourceUpdate<T>): void => {
        const bad = u.added.filter((r) => options.reject?.(r.name));
        if (bad.length > 0) throw new Error(bad.map((r) => `rejected ${r.name}`).join('; '));
        for (const r of u.added) map.set(r.name, r.message);
        for (const name of u.removed) map.delete(name);
        this.updates.push({
          typeUrl: u.typeUrl,
          added: u.added.map((r) => r.name),
          removed: [...u.removed],
        });
        this.check();
      };
    const subscriptions: TypeSubscription[] = [
      typeSubscription(workload.AddressSchema, {
        ...(options.addressNames && { names: options.addressNames, wildcard: false }),
        apply: apply(this.addresses),
      }),
      typeSubscription(security.AuthorizationSchema, { apply: apply(this.authorizations) }),
    ];
    if (options.waypointListeners) {
      subscriptions.push(
        typeSubscription(waypoint.WaypointListenerSchema, { apply: apply(this.listeners) }),
      );
    }
    this.client = new DeltaAdsClient({
      connect: () => {
        const md = new Metadata();
        if (options.token !== undefined) md.set('authorization', `Bearer ${options.token}`);
        return this.grpcClient.deltaAggregatedResources(md);
      },
      node: {
        id:
          options.nodeId ??
          'ztunnel~10.0.0.1~ztunnel-test.istio-system~istio-system.svc.cluster.local',
        metadata: options.metadata ?? { ISTIO_VERSION: '1.30.0' },
      },
      subscriptions,
      logger: silentLogger,
      backoff: { initialMs: 20, maxMs: 200 },
      onEvent: (e) => {
        this.events.push(e);
        this.check();
      },
    });
  }

  start(): this {
    this.client.start();
    return this;
  }

  /** Resolves when `check` holds (re-evaluated after every update); rejects after `ms`. */
  waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      this.waiters.push({
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    await this.client.close();
    this.grpcClient.close();
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      if (w.check()) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}
