import { randomBytes } from 'node:crypto';
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { XdsLimitExceededError, XdsProtocolError } from '../errors.js';
import { SERVED_TYPE_URLS } from '../type-urls.js';
import type { AggregatedDiscoveryServiceHandlers } from '../grpc/ads-service.js';
import type { XdsLogger } from './logger.js';
import { subscribedResources, type ResourceFilter } from './resource-filter.js';
import type { ResourceChange, ResourceSource } from './resource-store.js';
import { AdsConnection } from './server-connection.js';
import type { XdsConnectionSnapshot, XdsServerEvent } from './server-events.js';
import { peerKey, type StreamPeer } from './server-peer.js';
import { resolveXdsServerLimits, type XdsServerLimits } from './server-limits.js';
import { systemTimers, type ScheduledTimer, type Timers } from './timers.js';

export interface DeltaAdsServerOptions {
  /** Where resources come from; changes are pushed to every subscribed stream. */
  readonly source: ResourceSource;
  readonly logger: XdsLogger;
  /** Which resources each connection gets; default: what it subscribed (wildcard = all). */
  readonly filter?: ResourceFilter;
  /**
   * Changes of one type are collected for this long after the first change of
   * a burst, then pushed together. Default 100 ms.
   */
  readonly debounceMs?: number;
  readonly timers?: Timers;
  /** Wall clock for connection timestamps. Default Date.now. */
  readonly now?: () => number;
  /** Observes stream events (metrics, tests). Must not throw. */
  readonly onEvent?: (event: XdsServerEvent) => void;
  /**
   * The type URLs clients may request; any other is refused with
   * INVALID_ARGUMENT. Default SERVED_TYPE_URLS (what istiod serves).
   */
  readonly typeUrls?: readonly string[];
  /** Stream and subscription bounds; unset fields keep DEFAULT_XDS_SERVER_LIMITS. */
  readonly limits?: Partial<XdsServerLimits>;
}

interface ActiveStream {
  readonly connection: AdsConnection;
  readonly peerKey: string;
  readonly call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  ended: boolean;
}

export const DEFAULT_DEBOUNCE_MS = 100;

/**
 * The delta aggregated discovery server istiod runs. Register it with
 * `grpcServer.addService(aggregatedDiscoveryServiceDefinition, server.implementation)`,
 * then `start()`. It serves the type URLs it is given (default: istiod's three), generically.
 */
export class DeltaAdsServer {
  /** grpc-js handlers; SotW StreamAggregatedResources answers UNIMPLEMENTED. */
  readonly implementation: AggregatedDiscoveryServiceHandlers;

  private readonly streams = new Map<string, ActiveStream>();
  private readonly pendingChanges = new Map<string, Set<string>>();
  private readonly debounceTimers = new Map<string, ScheduledTimer>();
  private readonly instanceId = randomBytes(4).toString('hex');
  private readonly debounceMs: number;
  private readonly timers: Timers;
  private readonly filter: ResourceFilter;
  private readonly servedTypes: ReadonlySet<string>;
  /** The bounds this server enforces (defaults overlaid with the options). */
  readonly limits: XdsServerLimits;
  /** Open streams per peer key, for maxStreamsPerPeer. */
  private readonly streamsPerPeer = new Map<string, number>();
  private unlisten: (() => void) | undefined;
  private lifecycle: 'new' | 'running' | 'closed' = 'new';
  private streamCounter = 0;
  private nonceCounter = 0;

  constructor(private readonly options: DeltaAdsServerOptions) {
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.timers = options.timers ?? systemTimers;
    this.filter = options.filter ?? subscribedResources;
    this.servedTypes = new Set(options.typeUrls ?? SERVED_TYPE_URLS);
    this.limits = resolveXdsServerLimits(options.limits);
    this.implementation = {
      DeltaAggregatedResources: (call) => {
        this.handleStream(call);
      },
      StreamAggregatedResources: (call) => {
        call.emit('error', {
          code: status.UNIMPLEMENTED,
          details: 'this server speaks delta xDS only: use DeltaAggregatedResources',
        });
      },
    };
  }

  /** Starts following the source. Aborting `signal` closes the server. */
  start(signal?: AbortSignal): void {
    if (this.lifecycle !== 'new') throw new Error('DeltaAdsServer.start() may be called once');
    this.lifecycle = 'running';
    this.unlisten = this.options.source.listen((change) => {
      this.onSourceChange(change);
    });
    signal?.addEventListener(
      'abort',
      () => {
        void this.close();
      },
      { once: true },
    );
  }

  /** Ends every stream (status OK; clients reconnect elsewhere) and stops following the source. */
  close(): Promise<void> {
    if (this.lifecycle === 'closed') return Promise.resolve();
    this.lifecycle = 'closed';
    this.unlisten?.();
    for (const timer of this.debounceTimers.values()) timer.cancel();
    this.debounceTimers.clear();
    this.pendingChanges.clear();
    for (const [id, stream] of [...this.streams]) {
      this.endStream(id, stream, 'server closing');
      stream.call.end();
    }
    return Promise.resolve();
  }

  /**
   * Serves one DeltaAggregatedResources call (exposed for callers that
   * authenticate first; pass the identity they established as `peer.identity`
   * so the per-peer stream cap counts it). Beyond maxStreams or
   * maxStreamsPerPeer the call is refused with RESOURCE_EXHAUSTED.
   */
  handleStream(
    call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
    peer: StreamPeer = {},
  ): void {
    if (this.lifecycle !== 'running') {
      call.emit('error', {
        code: status.UNAVAILABLE,
        details: `xDS server is ${this.lifecycle === 'new' ? 'not started yet' : 'shutting down'}`,
      });
      return;
    }
    const key = peerKey(call, peer);
    const refusal = this.admit(key);
    if (refusal !== undefined) {
      this.options.logger.warn(
        { peer: call.getPeer(), peerKey: key, limit: refusal.limit },
        'refusing xDS stream: limit reached',
      );
      call.emit('error', { code: status.RESOURCE_EXHAUSTED, details: refusal.message });
      return;
    }
    this.streamsPerPeer.set(key, (this.streamsPerPeer.get(key) ?? 0) + 1);
    this.streamCounter += 1;
    const connectionId = `${this.instanceId}-${this.streamCounter}`;
    // The connection is built before its ActiveStream record exists; `send`
    // reaches the record through this holder so it can stop writing once ended.
    const holder: { stream?: ActiveStream } = {};
    const connection = new AdsConnection({
      connectionId,
      peer: call.getPeer(),
      connectedAt: new Date((this.options.now ?? Date.now)()),
      source: this.options.source,
      filter: this.filter,
      logger: this.options.logger,
      send: (response) => {
        if (holder.stream !== undefined && !holder.stream.ended) call.write(response);
      },
      nextNonce: () => {
        this.nonceCounter += 1;
        return `${this.instanceId}-${this.nonceCounter}`;
      },
      onEvent: (event) => this.options.onEvent?.(event),
      servedTypes: this.servedTypes,
      limits: this.limits,
    });
    const active: ActiveStream = { connection, peerKey: key, call, ended: false };
    holder.stream = active;
    this.streams.set(connectionId, active);

    call.on('data', (request: DeltaDiscoveryRequest) => {
      if (active.ended) return;
      this.guarded(connectionId, active, () => {
        connection.handleRequest(request);
      });
    });
    call.on('end', () => {
      this.endStream(connectionId, active, 'client closed the stream');
      call.end();
    });
    call.on('cancelled', () => {
      this.endStream(connectionId, active, 'client cancelled');
    });
    call.on('error', (error: Error) => {
      this.endStream(connectionId, active, error.message);
    });
  }

  /** Re-evaluates the filter and resends differences for every stream (e.g. after istiod's filter inputs changed). */
  refresh(typeUrl?: string): void {
    for (const [id, stream] of [...this.streams]) {
      this.guarded(id, stream, () => {
        stream.connection.refresh(typeUrl);
      });
    }
  }

  /** Per-stream state for a debug endpoint. */
  snapshot(): XdsConnectionSnapshot[] {
    return [...this.streams.values()].map((s) => s.connection.snapshot());
  }

  /** Why a new stream from `key` may not open now, or undefined. */
  private admit(key: string): XdsLimitExceededError | undefined {
    const { maxStreams, maxStreamsPerPeer } = this.limits;
    if (this.streams.size >= maxStreams) {
      return new XdsLimitExceededError(
        'maxStreams',
        maxStreams,
        `this xDS server already serves ${this.streams.size} streams; retry later or against another istiod`,
      );
    }
    const fromPeer = this.streamsPerPeer.get(key) ?? 0;
    if (fromPeer >= maxStreamsPerPeer) {
      return new XdsLimitExceededError(
        'maxStreamsPerPeer',
        maxStreamsPerPeer,
        `peer ${key} already holds ${fromPeer} streams; a proxy needs one`,
      );
    }
    return undefined;
  }

  private onSourceChange(change: ResourceChange): void {
    let names = this.pendingChanges.get(change.typeUrl);
    if (names === undefined) {
      names = new Set();
      this.pendingChanges.set(change.typeUrl, names);
    }
    for (const name of change.names) names.add(name);
    if (this.debounceTimers.has(change.typeUrl)) return;
    this.debounceTimers.set(
      change.typeUrl,
      this.timers.schedule(() => {
        this.pushChanges(change.typeUrl);
      }, this.debounceMs),
    );
  }

  private pushChanges(typeUrl: string): void {
    this.debounceTimers.delete(typeUrl);
    const names = this.pendingChanges.get(typeUrl);
    this.pendingChanges.delete(typeUrl);
    if (names === undefined || this.lifecycle !== 'running') return;
    for (const [id, stream] of [...this.streams]) {
      this.guarded(id, stream, () => {
        stream.connection.resourcesChanged(typeUrl, names);
      });
    }
  }

  /**
   * Runs stream work; a protocol violation (e.g. an unknown type URL) closes
   * the stream with INVALID_ARGUMENT, a limit with RESOURCE_EXHAUSTED, any
   * other failure (e.g. a throwing filter) with INTERNAL, and none takes down
   * the other streams.
   */
  private guarded(connectionId: string, stream: ActiveStream, work: () => void): void {
    try {
      work();
    } catch (error) {
      const [code, why] =
        error instanceof XdsProtocolError
          ? [status.INVALID_ARGUMENT, 'protocol violation']
          : error instanceof XdsLimitExceededError
            ? [status.RESOURCE_EXHAUSTED, 'limit exceeded']
            : [status.INTERNAL, 'internal error'];
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger.warn(
        { connectionId, proxyId: stream.connection.proxyId, error: message },
        `closing xDS stream: ${why}`,
      );
      this.endStream(connectionId, stream, message);
      stream.call.emit('error', { code, details: message });
    }
  }

  private endStream(connectionId: string, stream: ActiveStream, reason: string): void {
    if (stream.ended) return;
    stream.ended = true;
    this.streams.delete(connectionId);
    const left = (this.streamsPerPeer.get(stream.peerKey) ?? 1) - 1;
    if (left > 0) this.streamsPerPeer.set(stream.peerKey, left);
    else this.streamsPerPeer.delete(stream.peerKey);
    this.options.logger.info(
      { connectionId, proxyId: stream.connection.proxyId, reason },
      'xDS stream closed',
    );
    this.options.onEvent?.({
      kind: 'disconnected',
      connectionId,
      proxyId: stream.connection.proxyId,
      reason,
    });
  }
}
