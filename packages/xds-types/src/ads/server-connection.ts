import { create } from '@bufbuild/protobuf';
import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import {
  DeltaDiscoveryResponseSchema,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { XdsLimitExceededError, XdsProtocolError, XdsUnknownTypeError } from '../errors.js';
import { planDelta } from './delta-plan.js';
import type { XdsLogger } from './logger.js';
import type { ResourceFilter, ResourcePredicate } from './resource-filter.js';
import type { ResourceSource } from './resource-store.js';
import type { XdsServerLimits } from './server-limits.js';
import type { XdsConnectionSnapshot, XdsServerEvent, XdsTypeSnapshot } from './server-events.js';
import { applySubscriptionRequest, type Subscription } from './subscription.js';

interface PendingResponse {
  readonly nonce: string;
  readonly versions: ReadonlyMap<string, string>;
  readonly removed: readonly string[];
}

/** The version planned against for a name whose state on the client is unknown (never a real one). */
const UNKNOWN_VERSION = '';

interface TypeState {
  readonly typeUrl: string;
  subscription: Subscription;
  visible: ResourcePredicate;
  /** What the client confirmed it holds: name → version. */
  readonly acked: Map<string, string>;
  /** Names of a NACKed response: the client may hold any version of them, or none. */
  readonly unsure: Set<string>;
  /** At most one response per type is outstanding; further changes wait for its ACK/NACK. */
  pending: PendingResponse | undefined;
  /** Changed names that trigger the next push. */
  readonly dirty: Set<string>;
  /** Names of a NACKed response: re-offered with the next push, never pushed alone. */
  readonly carry: Set<string>;
  /** Newly subscribed names that must be answered even if unchanged. */
  readonly forced: Set<string>;
  fullResync: boolean;
  /** The first request of a type is always answered, even with nothing (ztunnel readiness). */
  mustRespond: boolean;
  state: XdsTypeSnapshot['state'];
  lastSentNonce: string;
  lastAckedNonce: string;
  lastNackedNonce: string;
  lastNackError: string;
  responses: number;
  acks: number;
  nacks: number;
}

export interface AdsConnectionOptions {
  readonly connectionId: string;
  readonly peer: string;
  readonly connectedAt: Date;
  readonly source: ResourceSource;
  readonly filter: ResourceFilter;
  readonly logger: XdsLogger;
  readonly send: (response: DeltaDiscoveryResponse) => void;
  readonly nextNonce: () => string;
  readonly onEvent: (event: XdsServerEvent) => void;
  /** The type URLs this server serves; a request for another is a protocol error. */
  readonly servedTypes: ReadonlySet<string>;
  readonly limits: Pick<XdsServerLimits, 'maxNamesPerSubscription' | 'maxResourceNameBytes'>;
}

/**
 * The server side of one delta-ADS stream, without any transport: it consumes
 * requests, is told about changed resource names, and emits responses through
 * `send`. Per type URL it tracks the subscription, the versions the client has
 * ACKed and the one outstanding response.
 */
export class AdsConnection {
  private node: Node | undefined;
  private readonly types = new Map<string, TypeState>();

  constructor(private readonly options: AdsConnectionOptions) {}

  get proxyId(): string {
    return this.node?.id ?? '';
  }

  /** The proxy's ISTIO_VERSION node metadata ('' when it sent none). */
  get proxyVersion(): string {
    const v = this.node?.metadata?.ISTIO_VERSION;
    return typeof v === 'string' ? v : '';
  }

  /** Handles one request. Throws XdsProtocolError when the stream must be closed. */
  handleRequest(request: DeltaDiscoveryRequest): void {
    if (this.node === undefined) {
      if (request.node === undefined) {
        throw new XdsProtocolError(
          'the first DeltaDiscoveryRequest on a stream must carry node (the proxy identity)',
        );
      }
      this.node = request.node;
      this.options.onEvent({
        kind: 'connected',
        connectionId: this.options.connectionId,
        proxyId: this.proxyId,
        peer: this.options.peer,
      });
    }
    if (request.typeUrl === '') {
      throw new XdsProtocolError('DeltaDiscoveryRequest.type_url is required on every request');
    }
    // Refused before any per-type state exists: otherwise every junk type URL
    // a client names costs a TypeState for the life of the stream.
    if (!this.options.servedTypes.has(request.typeUrl)) {
      throw new XdsUnknownTypeError(request.typeUrl, [...this.options.servedTypes]);
    }
    this.checkNameLengths(request.resourceNamesSubscribe);

    const existing = this.types.get(request.typeUrl);
    if (request.responseNonce !== '') this.resolveNonce(existing, request);

    const change = applySubscriptionRequest(
      existing?.subscription,
      request.resourceNamesSubscribe,
      request.resourceNamesUnsubscribe,
    );
    const { maxNamesPerSubscription } = this.options.limits;
    if (change.subscription.names.size > maxNamesPerSubscription) {
      throw new XdsLimitExceededError(
        'maxNamesPerSubscription',
        maxNamesPerSubscription,
        `the stream would subscribe to ${change.subscription.names.size} names of ${request.typeUrl}; ` +
          'subscribe by wildcard, or unsubscribe names no longer needed',
      );
    }
    if (existing === undefined) {
      this.types.set(
        request.typeUrl,
        this.newTypeState(request, change.subscription, change.added),
      );
    } else if (
      change.added.length > 0 ||
      change.removed.length > 0 ||
      change.subscription.wildcard !== existing.subscription.wildcard
    ) {
      this.resubscribe(existing, change.subscription, change.added, change.removed);
    }
    this.flush(request.typeUrl);
  }

  /** Names of `typeUrl` changed in the source (already debounced by the server). */
  resourcesChanged(typeUrl: string, names: Iterable<string>): void {
    const state = this.types.get(typeUrl);
    if (state === undefined) return;
    for (const name of names) state.dirty.add(name);
    this.flush(typeUrl);
  }

  /** Re-runs the filter and compares everything, for one type or all. */
  refresh(typeUrl?: string): void {
    for (const state of this.types.values()) {
      if (typeUrl !== undefined && state.typeUrl !== typeUrl) continue;
      state.visible = this.filterFor(state.typeUrl, state.subscription);
      state.fullResync = true;
      this.flush(state.typeUrl);
    }
  }

  snapshot(): XdsConnectionSnapshot {
    return {
      connectionId: this.options.connectionId,
      proxyId: this.proxyId,
      proxyVersion: this.proxyVersion,
      peer: this.options.peer,
      connectedAt: this.options.connectedAt.toISOString(),
      types: [...this.types.values()].map((s) => ({
        typeUrl: s.typeUrl,
        wildcard: s.subscription.wildcard,
        subscribedNames: [...s.subscription.names].sort(),
        state: s.state,
        lastSentNonce: s.lastSentNonce,
        lastAckedNonce: s.lastAckedNonce,
        lastNackedNonce: s.lastNackedNonce,
        lastNackError: s.lastNackError,
        ackedVersions: Object.fromEntries(s.acked),
        responses: s.responses,
        acks: s.acks,
        nacks: s.nacks,
      })),
    };
  }

  private checkNameLengths(names: readonly string[]): void {
    const { maxResourceNameBytes } = this.options.limits;
    for (const name of names) {
      // UTF-8 is at most 3 bytes per UTF-16 unit: measure only names that could be too long.
      if (name.length * 3 <= maxResourceNameBytes) continue;
      const bytes = Buffer.byteLength(name);
      if (bytes > maxResourceNameBytes) {
        throw new XdsLimitExceededError(
          'maxResourceNameBytes',
          maxResourceNameBytes,
          `a subscribed resource name is ${bytes} bytes long`,
        );
      }
    }
  }

  private newTypeState(
    request: DeltaDiscoveryRequest,
    subscription: Subscription,
    added: readonly string[],
  ): TypeState {
    // initial_resource_versions: what the client kept from an earlier stream.
    // Those names are compared by version like any other; the rest of the
    // explicitly subscribed names must be answered.
    const acked = new Map(Object.entries(request.initialResourceVersions));
    return {
      typeUrl: request.typeUrl,
      subscription,
      visible: this.filterFor(request.typeUrl, subscription),
      acked,
      unsure: new Set(),
      pending: undefined,
      dirty: new Set(),
      carry: new Set(),
      forced: new Set(added.filter((name) => !acked.has(name))),
      fullResync: true,
      mustRespond: true,
      state: 'acked',
      lastSentNonce: '',
      lastAckedNonce: '',
      lastNackedNonce: '',
      lastNackError: '',
      responses: 0,
      acks: 0,
      nacks: 0,
    };
  }

  private resubscribe(
    state: TypeState,
    subscription: Subscription,
    added: readonly string[],
    removed: readonly string[],
  ): void {
    state.subscription = subscription;
    state.visible = this.filterFor(state.typeUrl, subscription);
    for (const name of added) state.forced.add(name);
    // The client drops what it unsubscribes, so it is forgotten here without a
    // removal — unless it stays visible (e.g. through the wildcard).
    for (const name of removed) {
      const resource =
        this.options.source.get(state.typeUrl, name) ??
        this.options.source.getByAlias(state.typeUrl, name);
      const resourceName = resource?.name ?? name;
      if (resource === undefined || !state.visible(resource)) {
        state.acked.delete(resourceName);
        state.unsure.delete(resourceName);
      }
    }
    state.fullResync = true;
  }

  private resolveNonce(state: TypeState | undefined, request: DeltaDiscoveryRequest): void {
    const nonce = request.responseNonce;
    if (state?.pending?.nonce !== nonce) {
      // Not the outstanding response of this stream: an old or foreign nonce.
      // The xDS spec says to ignore it; subscription changes still apply.
      this.options.logger.debug(
        { proxyId: this.proxyId, typeUrl: request.typeUrl, nonce },
        'ignoring ACK/NACK with a stale nonce',
      );
      this.options.onEvent({
        kind: 'stale-nonce',
        connectionId: this.options.connectionId,
        proxyId: this.proxyId,
        typeUrl: request.typeUrl,
        nonce,
      });
      return;
    }
    const pending = state.pending;
    state.pending = undefined;
    if (request.errorDetail === undefined) {
      for (const [name, version] of pending.versions) state.acked.set(name, version);
      for (const name of pending.removed) state.acked.delete(name);
      for (const name of [...pending.versions.keys(), ...pending.removed])
        state.unsure.delete(name);
      state.state = 'acked';
      state.lastAckedNonce = nonce;
      state.acks += 1;
      this.options.onEvent({
        kind: 'ack',
        connectionId: this.options.connectionId,
        proxyId: this.proxyId,
        typeUrl: state.typeUrl,
        nonce,
      });
      return;
    }
    // NACK: `acked` still holds what the client last confirmed, but what it
    // holds now for the names of that response is not known — its last good
    // version, nothing (upstream ztunnel skips rejected resources), the valid
    // part applied, or a fail-closed stand-in (ours). They are re-offered with
    // the next push as unknown, so the client gets their current state whatever
    // it is — a revert to the old version, or a removal — without resending the
    // bad config in a loop.
    for (const name of [...pending.versions.keys(), ...pending.removed]) {
      state.unsure.add(name);
      state.carry.add(name);
    }
    state.state = 'nacked';
    state.lastNackedNonce = nonce;
    state.lastNackError = request.errorDetail.message;
    state.nacks += 1;
    this.options.logger.warn(
      {
        proxyId: this.proxyId,
        typeUrl: state.typeUrl,
        nonce,
        code: request.errorDetail.code,
        errorDetail: request.errorDetail.message,
      },
      'xDS client rejected (NACKed) a response; it keeps its last accepted state',
    );
    this.options.onEvent({
      kind: 'nack',
      connectionId: this.options.connectionId,
      proxyId: this.proxyId,
      typeUrl: state.typeUrl,
      nonce,
      error: request.errorDetail.message,
    });
  }

  private flush(typeUrl: string): void {
    const state = this.types.get(typeUrl);
    if (state === undefined || state.pending !== undefined) return;
    if (
      !state.mustRespond &&
      !state.fullResync &&
      state.dirty.size === 0 &&
      state.forced.size === 0
    ) {
      return;
    }
    const plan = planDelta({
      source: this.options.source,
      typeUrl,
      clientVersions:
        state.unsure.size === 0
          ? state.acked
          : new Map([
              ...state.acked,
              ...[...state.unsure].map((n) => [n, UNKNOWN_VERSION] as const),
            ]),
      visible: state.visible,
      examine: state.fullResync ? 'all' : new Set([...state.dirty, ...state.carry]),
      forced: state.forced,
    });
    state.dirty.clear();
    state.carry.clear();
    state.forced.clear();
    state.fullResync = false;
    if (plan.resources.length === 0 && plan.removed.length === 0 && !state.mustRespond) return;
    state.mustRespond = false;

    const nonce = this.options.nextNonce();
    const response = create(DeltaDiscoveryResponseSchema, {
      typeUrl,
      nonce,
      systemVersionInfo: String(this.options.source.generation()),
      resources: plan.resources.map((r) => ({
        name: r.name,
        version: r.version,
        resource: r.resource,
        aliases: [...r.aliases],
      })),
      removedResources: [...plan.removed],
    });
    state.pending = {
      nonce,
      versions: new Map(plan.resources.map((r) => [r.name, r.version])),
      removed: plan.removed,
    };
    state.state = 'awaiting-ack';
    state.lastSentNonce = nonce;
    state.responses += 1;
    this.options.send(response);
    this.options.onEvent({
      kind: 'push',
      connectionId: this.options.connectionId,
      proxyId: this.proxyId,
      typeUrl,
      nonce,
      resources: plan.resources.map((r) => r.name),
      removed: plan.removed,
    });
  }

  private filterFor(typeUrl: string, subscription: Subscription): ResourcePredicate {
    // node is set before any type state exists (handleRequest checks it first).
    return this.options.filter(this.node as Node, typeUrl, subscription);
  }
}
