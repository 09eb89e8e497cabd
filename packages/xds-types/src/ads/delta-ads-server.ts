import { randomBytes } from 'node:crypto';
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { XdsProtocolError } from '../errors.js';
import type { AggregatedDiscoveryServiceHandlers } from '../grpc/ads-service.js';
import type { XdsLogger } from './logger.js';
import { subscribedResources, type ResourceFilter } from './resource-filter.js';
import type { ResourceChange, ResourceSource } from './resource-store.js';
import { AdsConnection } from './server-connection.js';
import type { XdsConnectionSnapshot, XdsServerEvent } from './server-events.js';
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
}

interface ActiveStream {
  readonly connection: AdsConnection;
  readonly call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  ended: boolean;
}

export const DEFAULT_DEBOUNCE_MS = 100;

/**
 * The delta aggregated discovery server istiod runs. Register it with
 * `grpcServer.addService(aggregatedDiscoveryServiceDefinition, server.implementation)`,
 * then `start()`. It serves any type URL the source holds, generically.
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
  private unlisten: (() => void) | undefined;
  private lifecycle: 'new' | 'running' | 'closed' = 'new';
  private streamCounter = 0;
  private nonceCounter = 0;

  constructor(private readonly options: DeltaAdsServerOptions) {
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.timers = options.timers ?? systemTimers;
    this.filter = options.filter ?? subscribedResources;
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

  /** Serves one DeltaAggregatedResources call (exposed for callers that authenticate first). */
  handleStream(call: ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>): void {
    if (this.lifecycle !== 'running') {
      call.emit('error', {
        code: status.UNAVAILABLE,
        details: `xDS server is ${this.lifecycle === 'new' ? 'not started yet' : 'shutting down'}`,
      });
      return;
    }
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
    });
    const active: ActiveStream = { connection, call, ended: false };
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
   * Runs stream work; a protocol violation closes the stream with
   * INVALID_ARGUMENT, any other failure (e.g. a throwing filter) with INTERNAL,
   * and neither takes down the other streams.
   */
  private guarded(connectionId: string, stream: ActiveStream, work: () => void): void {
    try {
      work();
    } catch (error) {
      const invalid = error instanceof XdsProtocolError;
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger.warn(
        { connectionId, proxyId: stream.connection.proxyId, error: message },
        invalid ? 'closing xDS stream: protocol violation' : 'closing xDS stream: internal error',
      );
      this.endStream(connectionId, stream, message);
      stream.call.emit('error', {
        code: invalid ? status.INVALID_ARGUMENT : status.INTERNAL,
        details: message,
      });
    }
  }

  private endStream(connectionId: string, stream: ActiveStream, reason: string): void {
    if (stream.ended) return;
    stream.ended = true;
    this.streams.delete(connectionId);
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
