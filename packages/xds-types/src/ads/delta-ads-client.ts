import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import type { NodeSchema } from '../gen/envoy/config/core/v3/base_pb.js';
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { UnknownTypeUrlError, XdsClientClosedError } from '../errors.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { XdsClientEvent, XdsClientSnapshot } from './client-events.js';
import { ackRequest, initialRequest, nackRequest, subscriptionRequest } from './client-requests.js';
import type { XdsLogger } from './logger.js';
import { WILDCARD } from './subscription.js';
import { systemTimers, type ScheduledTimer, type Timers } from './timers.js';
import type { ApplyResult, DecodedResource, TypeSubscription } from './type-subscription.js';

export type AdsStream = ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

export interface DeltaAdsClientOptions {
  /**
   * Opens one DeltaAggregatedResources stream, with whatever credentials and
   * metadata the caller needs, e.g.
   * `() => adsClient.deltaAggregatedResources(metadataWithToken())`.
   * Called again for every reconnect.
   */
  readonly connect: () => AdsStream;
  /** Sent on the first request of every type on every stream. */
  readonly node: MessageInitShape<typeof NodeSchema>;
  /** The types to subscribe to, all on one stream. */
  readonly subscriptions: readonly TypeSubscription[];
  readonly logger: XdsLogger;
  /** Default: 10 ms doubling up to 15 s, with jitter (ztunnel's). */
  readonly backoff?: BackoffPolicy;
  readonly timers?: Timers;
  /** [0, 1) source for backoff jitter. Default Math.random. */
  readonly random?: () => number;
  /** Observes client events (metrics, tests). Must not throw. */
  readonly onEvent?: (event: XdsClientEvent) => void;
}

interface TypeState {
  readonly subscription: TypeSubscription;
  readonly typeUrl: string;
  wildcard: boolean;
  readonly names: Set<string>;
  /** What the consumer has applied: name → version; sent as initial_resource_versions. */
  readonly known: Map<string, string>;
  everAcked: boolean;
  lastAckedNonce: string;
  lastNackedNonce: string;
  lastNackError: string;
  acks: number;
  nacks: number;
}

/**
 * The client side of delta ADS, used by ztunnel and the waypoint. It
 * subscribes to several type URLs on one stream, applies each response
 * atomically through the subscription's `apply`, ACKs or NACKs it, and
 * reconnects with jittered exponential backoff, resuming with the versions it
 * holds so unchanged resources are not sent again.
 */
export class DeltaAdsClient {
  private readonly types = new Map<string, TypeState>();
  private readonly backoff: BackoffPolicy;
  private readonly timers: Timers;
  private readonly random: () => number;
  private lifecycle: 'new' | 'running' | 'closed' = 'new';
  private stream: AdsStream | undefined;
  private attempt = 0;
  private reconnectTimer: ScheduledTimer | undefined;
  private processing: Promise<void> = Promise.resolve();
  private isReady = false;
  private readonly readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (error: Error) => void;

  constructor(private readonly options: DeltaAdsClientOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.timers = options.timers ?? systemTimers;
    this.random = options.random ?? Math.random;
    for (const subscription of options.subscriptions) {
      if (this.types.has(subscription.typeUrl)) {
        throw new Error(
          `${subscription.typeUrl} is subscribed twice; give each type URL one TypeSubscription`,
        );
      }
      this.types.set(subscription.typeUrl, {
        subscription,
        typeUrl: subscription.typeUrl,
        wildcard: subscription.wildcard,
        names: new Set(subscription.names.filter((name) => name !== WILDCARD)),
        known: new Map(),
        everAcked: false,
        lastAckedNonce: '',
        lastNackedNonce: '',
        lastNackError: '',
        acks: 0,
        nacks: 0,
      });
    }
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Closing before ready rejects readyPromise; only whenReady() callers should see that.
    this.readyPromise.catch(() => undefined);
  }

  /** True once every subscribed type has had one response ACKed. Stays true across reconnects. */
  get ready(): boolean {
    return this.isReady;
  }

  /** Resolves when ready; rejects with XdsClientClosedError if closed first. */
  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  /** Connects and keeps reconnecting until close(). Aborting `signal` closes the client. */
  start(signal?: AbortSignal): void {
    if (this.lifecycle !== 'new') throw new Error('DeltaAdsClient.start() may be called once');
    this.lifecycle = 'running';
    signal?.addEventListener(
      'abort',
      () => {
        void this.close();
      },
      { once: true },
    );
    this.connect();
  }

  /** Cancels the stream and any pending reconnect; resolves after an in-flight apply finishes. */
  async close(): Promise<void> {
    if (this.lifecycle === 'closed') return this.processing;
    this.lifecycle = 'closed';
    this.reconnectTimer?.cancel();
    this.reconnectTimer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
    if (!this.isReady) this.rejectReady(new XdsClientClosedError());
    await this.processing;
    this.options.logger.info({}, 'xDS client closed');
    this.emit({ kind: 'closed' });
  }

  /** Adds names (or `*`) to a type's subscription, now and for every reconnect. */
  subscribe(typeUrl: string, names: readonly string[]): void {
    const type = this.typeState(typeUrl);
    const fresh = [...new Set(names)].filter((name) =>
      name === WILDCARD ? !type.wildcard : !type.names.has(name),
    );
    if (fresh.length === 0) return;
    for (const name of fresh) {
      if (name === WILDCARD) type.wildcard = true;
      else type.names.add(name);
    }
    this.stream?.write(subscriptionRequest(typeUrl, fresh, []));
  }

  /**
   * Removes names (or `*`) from a type's subscription. Their versions are
   * forgotten; the consumer drops its own copies if it wants to.
   */
  unsubscribe(typeUrl: string, names: readonly string[]): void {
    const type = this.typeState(typeUrl);
    const gone = [...new Set(names)].filter((name) =>
      name === WILDCARD ? type.wildcard : type.names.has(name),
    );
    if (gone.length === 0) return;
    for (const name of gone) {
      if (name === WILDCARD) {
        type.wildcard = false;
      } else {
        type.names.delete(name);
        type.known.delete(name);
      }
    }
    this.stream?.write(subscriptionRequest(typeUrl, [], gone));
  }

  snapshot(): XdsClientSnapshot {
    return {
      connected: this.stream !== undefined,
      ready: this.isReady,
      types: [...this.types.values()].map((t) => ({
        typeUrl: t.typeUrl,
        wildcard: t.wildcard,
        names: [...t.names].sort(),
        knownVersions: Object.fromEntries(t.known),
        everAcked: t.everAcked,
        lastAckedNonce: t.lastAckedNonce,
        lastNackedNonce: t.lastNackedNonce,
        lastNackError: t.lastNackError,
        acks: t.acks,
        nacks: t.nacks,
      })),
    };
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.lifecycle !== 'running') return;
    this.emit({ kind: 'connecting', attempt: this.attempt });
    let stream: AdsStream;
    try {
      stream = this.options.connect();
    } catch (error) {
      this.scheduleReconnect(describe(error), undefined);
      return;
    }
    this.stream = stream;
    stream.on('data', (response: DeltaDiscoveryResponse) => {
      this.processing = this.processing.then(() => this.onResponse(stream, response));
    });
    stream.on('error', (error: ServiceError) => {
      this.streamDown(stream, error.details || error.message, error.code);
    });
    stream.on('end', () => {
      this.streamDown(stream, 'the server ended the stream', undefined);
    });
    for (const type of this.types.values()) {
      stream.write(initialRequest(type, this.options.node));
    }
  }

  private streamDown(stream: AdsStream, reason: string, code: number | undefined): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    stream.cancel();
    if (this.lifecycle !== 'running') return;
    this.scheduleReconnect(reason, code);
  }

  private scheduleReconnect(reason: string, code: number | undefined): void {
    const delay = backoffDelay(this.attempt, this.backoff, this.random);
    this.attempt += 1;
    this.options.logger.warn(
      { reason, code, attempt: this.attempt, retryInMs: delay },
      'xDS stream disconnected; reconnecting',
    );
    this.emit({ kind: 'disconnected', reason, code, nextAttempt: this.attempt, retryInMs: delay });
    this.reconnectTimer = this.timers.schedule(() => {
      this.connect();
    }, delay);
  }

  private async onResponse(stream: AdsStream, response: DeltaDiscoveryResponse): Promise<void> {
    if (stream !== this.stream) return;
    const { typeUrl, nonce } = response;
    const type = this.types.get(typeUrl);
    if (type === undefined) {
      this.reject(stream, undefined, typeUrl, nonce, `not subscribed to ${typeUrl}`);
      return;
    }

    const added: DecodedResource<unknown>[] = [];
    const failures: string[] = [];
    for (const resource of response.resources) {
      if (resource.resource === undefined) {
        failures.push(`${resource.name}: resource has no body`);
        continue;
      }
      try {
        added.push({
          name: resource.name,
          version: resource.version,
          aliases: resource.aliases,
          message: type.subscription.decode(resource.resource),
        });
      } catch (error) {
        failures.push(`${resource.name}: ${describe(error)}`);
      }
    }
    if (failures.length > 0) {
      this.reject(stream, type, typeUrl, nonce, failures.join('; '));
      return;
    }

    let outcome: ApplyResult;
    try {
      outcome = await type.subscription.apply({
        typeUrl,
        nonce,
        added,
        removed: response.removedResources,
      });
    } catch (error) {
      this.reject(stream, type, typeUrl, nonce, describe(error));
      return;
    }

    // Applied, the rejected resources included in whatever form the consumer
    // chose (a fail-closed stand-in), so every version counts as held: a
    // reconnect then learns whether a rejected key changed or was removed.
    for (const resource of added) type.known.set(resource.name, resource.version);
    for (const name of response.removedResources) type.known.delete(name);
    const rejected = outcome?.rejected ?? [];
    if (rejected.length > 0) {
      this.reject(stream, type, typeUrl, nonce, rejected.map((r) => r.reason).join('; '));
      return;
    }
    type.everAcked = true;
    type.lastAckedNonce = nonce;
    type.acks += 1;
    // A response got through: the connection is healthy again.
    this.attempt = 0;
    if (stream === this.stream) stream.write(ackRequest(typeUrl, nonce));
    this.emit({
      kind: 'acked',
      typeUrl,
      nonce,
      added: added.length,
      removed: response.removedResources.length,
    });
    this.checkReady();
  }

  private reject(
    stream: AdsStream,
    type: TypeState | undefined,
    typeUrl: string,
    nonce: string,
    reason: string,
  ): void {
    if (type !== undefined) {
      type.lastNackedNonce = nonce;
      type.lastNackError = reason;
      type.nacks += 1;
    }
    this.options.logger.warn({ typeUrl, nonce, error: reason }, 'rejecting xDS response (NACK)');
    if (stream === this.stream) stream.write(nackRequest(typeUrl, nonce, reason));
    this.emit({ kind: 'nacked', typeUrl, nonce, error: reason });
  }

  private checkReady(): void {
    if (this.isReady) return;
    for (const type of this.types.values()) if (!type.everAcked) return;
    this.isReady = true;
    this.options.logger.info(
      { types: [...this.types.keys()] },
      'xDS client ready: every subscribed type was ACKed',
    );
    this.resolveReady();
    this.emit({ kind: 'ready' });
  }

  private typeState(typeUrl: string): TypeState {
    const type = this.types.get(typeUrl);
    if (type === undefined) throw new UnknownTypeUrlError(typeUrl);
    return type;
  }

  private emit(event: XdsClientEvent): void {
    this.options.onEvent?.(event);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
