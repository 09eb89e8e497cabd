// The ambient index: the object caches in, WDS Address and Authorization
// resources (and the status conditions istiod owes) out, as derived
// collections. Store events mark sources dirty — precisely the ones that read
// the changed input — and flush() recomputes only those, reporting only the
// resource names whose bytes changed. Pure: no I/O, no clock.

import { create } from '@bufbuild/protobuf';
import { security, waypoint, workload } from '@ambient-ts/xds-types';
import type { PeerAuthn } from '@ambient-ts/policy';
import { selectsLabels } from '../kube/label-selector.js';
import type { StoreEvent } from '../kube/object-store.js';
import {
  asArray,
  asRecord,
  asString,
  asStringMap,
  objectKey,
  type EndpointSlice,
  type KubeObject,
  type Namespace,
  type Pod,
  type Service,
} from '../kube/objects.js';
import {
  peerAuthenticationAuthorizations,
  policySelects,
  readPeerAuthentication,
  translateAuthorizationPolicy,
  workloadPeerAuthenticationKeys,
  type ConditionSpec,
  type PolicyTranslation,
} from './authorizations.js';
import type { BuildContext } from './build-context.js';
import { DependencyTracker } from './dependencies.js';
import { type IndexConfig } from './index-config.js';
import type { IndexInputs } from './inputs.js';
import { OutputTable, type Output, type TableChange } from './output-table.js';
import { waypointAcceptedCondition, WAYPOINT_ACCEPTED } from './policy-status.js';
import {
  buildKubeService,
  buildServiceEntryServices,
  WAYPOINT_BOUND,
  type BuiltService,
} from './services.js';
import { ZTUNNEL_ACCEPTED_CONDITION } from './status-types.js';
import type { DesiredStatus, IndexWarning, StatusTarget } from './status-types.js';
import { bindService, waypointFromGateway, type Waypoint } from './waypoints.js';
import { kubePortProtocol, parseProtocolName } from './protocol.js';
import { serviceHostname } from './index-config.js';
import { rawTargetRefs } from './policy-status.js';
import { serviceEntryPorts } from './services.js';
import {
  compileListeners,
  WAYPOINT_GATEWAY_CLASS,
  type WaypointPolicyInput,
} from '../l7/listener-compile.js';
import { routeParents } from '../l7/httproute-compile.js';
import type { L7Lookup, L7Target } from '../l7/l7-target.js';
import { podUid } from './workloads.js';
import {
  buildEndpointSliceWorkloads,
  buildPodWorkload,
  buildServiceEntryWorkloads,
  buildWorkloadEntryWorkload,
  type BuiltWorkload,
} from './workloads.js';

export interface IndexChange {
  readonly addresses: TableChange<workload.Address>;
  readonly authorizations: TableChange<security.Authorization>;
  /** Waypoint L7 config (ambient_ts.waypoint.v1.WaypointListener). */
  readonly listeners: TableChange<waypoint.WaypointListener>;
  readonly statuses: readonly DesiredStatus[];
  readonly warnings: readonly IndexWarning[];
}

export interface AmbientIndexOptions {
  readonly inputs: IndexInputs;
  readonly config: IndexConfig;
  /** Called after a store event marked something dirty (main.ts schedules flush()). */
  readonly onDirty?: () => void;
}

const PA_SOURCE = 'pa';

function workloadAddress(b: BuiltWorkload): Output<workload.Address> {
  return {
    name: b.name,
    message: create(workload.AddressSchema, { type: { case: 'workload', value: b.workload } }),
    aliases: b.aliases,
  };
}

function serviceAddress(b: BuiltService): Output<workload.Address> {
  return {
    name: b.name,
    message: create(workload.AddressSchema, { type: { case: 'service', value: b.service } }),
    aliases: b.aliases,
  };
}

function conditionsEqual(
  a: ReadonlyMap<string, ConditionSpec | undefined>,
  b: ReadonlyMap<string, ConditionSpec | undefined> | undefined,
): boolean {
  if (!b || a.size !== b.size) return false;
  for (const [type, c] of a) {
    const d = b.get(type);
    if (c === undefined || d === undefined) {
      if (c !== d) return false;
      continue;
    }
    if (c.status !== d.status || c.reason !== d.reason || c.message !== d.message) return false;
  }
  return true;
}

export class AmbientIndex {
  readonly addresses = new OutputTable(workload.AddressSchema);
  readonly authorizations = new OutputTable(security.AuthorizationSchema);
  readonly listeners = new OutputTable(waypoint.WaypointListenerSchema);
  /** Listener resource name → the waypoint (`ns/name`) it is for. */
  private readonly listenerWaypoints = new Map<string, string>();
  private readonly listenerNamesBySource = new Map<string, string[]>();
  private readonly deps = new DependencyTracker();
  private readonly dirty = new Set<string>();
  private readonly translations = new Map<string, PolicyTranslation>();
  private peerAuths: PeerAuthn[] = [];
  private readonly waypointCache = new Map<string, Waypoint | undefined>();
  private readonly statusBySource = new Map<string, DesiredStatus>();
  private readonly pendingStatuses = new Map<string, DesiredStatus>();
  private readonly warningsBySource = new Map<string, string[]>();
  private pendingWarnings: IndexWarning[] = [];
  private currentWarnings: IndexWarning[] | undefined;
  private readonly serviceWaypoints = new Map<string, string | undefined>();
  private readonly unsubscribers: (() => void)[] = [];
  readonly config: IndexConfig;
  private readonly inputs: IndexInputs;
  private readonly ctx: BuildContext;

  constructor(private readonly options: AmbientIndexOptions) {
    this.config = options.config;
    this.inputs = options.inputs;
    this.ctx = this.buildContext();
    this.subscribe();
    this.seedFromInputs();
  }

  /** Stops following the stores. */
  close(): void {
    for (const u of this.unsubscribers.splice(0)) u();
  }

  get hasPendingWork(): boolean {
    return this.dirty.size > 0;
  }

  /** The waypoint a Service or ServiceEntry (`namespace/name` key of the object) is bound to. */
  serviceWaypoint(kind: 'Service' | 'ServiceEntry', key: string): string | undefined {
    return this.serviceWaypoints.get(`${kind === 'Service' ? 'svc' : 'se'}:${key}`);
  }

  /** The Waypoint derived from a Gateway (`namespace/name`), if it has addresses. */
  waypoint(key: string): Waypoint | undefined {
    return this.lookupWaypoint(key);
  }

  /** The waypoint a published listener belongs to (per-proxy filtering). */
  listenerWaypoint(name: string): string | undefined {
    return this.listenerWaypoints.get(name);
  }

  /** The node of a published workload (named-subscription filtering). */
  workloadNode(name: string): string | undefined {
    const out = this.addresses.get(name);
    return out?.message.type.case === 'workload' ? out.message.type.value.node : undefined;
  }

  /** Recomputes everything dirty; returns what changed since the last flush. */
  flush(): IndexChange {
    // A build may not dirty other sources, but guard against loops anyway.
    for (let round = 0; this.dirty.size > 0 && round < 10; round += 1) {
      // Policies first: workloads list the policies translated in this round.
      const batch = [...this.dirty].sort(
        (a, b) => priority(a) - priority(b) || (a < b ? -1 : a > b ? 1 : 0),
      );
      this.dirty.clear();
      for (const source of batch) this.recompute(source);
    }
    const statuses = [...this.pendingStatuses.values()];
    this.pendingStatuses.clear();
    const warnings = this.pendingWarnings;
    this.pendingWarnings = [];
    return {
      addresses: this.addresses.collect(),
      authorizations: this.authorizations.collect(),
      listeners: this.listeners.collect(),
      statuses,
      warnings,
    };
  }

  // ---------------------------------------------------------------- inputs

  private markDirty(source: string): void {
    this.dirty.add(source);
  }

  private markDependents(token: string): void {
    for (const source of this.deps.dependents(token)) this.dirty.add(source);
  }

  private notify(): void {
    if (this.dirty.size > 0) this.options.onDirty?.();
  }

  private on<T extends KubeObject>(
    store: { subscribe(l: (e: StoreEvent<T>) => void): () => void },
    handler: (event: StoreEvent<T>) => void,
  ): void {
    this.unsubscribers.push(
      store.subscribe((event) => {
        handler(event);
        this.notify();
      }),
    );
  }

  private subscribe(): void {
    const i = this.inputs;
    this.on(i.namespaces, (e) => {
      this.markDependents(`ns:${e.object.metadata.name ?? ''}`);
    });
    this.on(i.nodes, (e) => {
      this.markDependents(`node:${e.object.metadata.name ?? ''}`);
    });
    this.on(i.pods, (e) => {
      this.markDirty(`pod:${objectKey(e.object)}`);
      // DestinationRule subsets list workload uids: recompile the services selecting the pod.
      if (i.destinationRules.size > 0) {
        const ns = e.object.metadata.namespace ?? '';
        const labelSets = [e.object.metadata.labels ?? {}];
        if (e.type === 'update') labelSets.push(e.old.metadata.labels ?? {});
        for (const svc of i.services.byIndex('namespace', ns)) {
          if (labelSets.some((l) => selectsLabels(svc.spec?.selector, l)))
            this.markDirty(`l7svc:${objectKey(svc)}`);
        }
      }
    });
    this.on(i.services, (e) => {
      if (statusOnly(e)) return;
      const key = objectKey(e.object);
      this.markDirty(`svc:${key}`);
      this.markDirty(`l7svc:${key}`);
      this.markDependents(`svcobj:${key}`);
      const ns = e.object.metadata.namespace ?? '';
      const selectors = [e.object.spec?.selector];
      if (e.type === 'update') selectors.push(e.old.spec?.selector);
      this.markPodsWhere(ns, (labels) => selectors.some((s) => selectsLabels(s, labels)));
      for (const slice of i.endpointSlices.byIndex('service', key)) {
        this.markDirty(`slice:${objectKey(slice)}`);
        this.markSliceTargets(slice);
      }
    });
    this.on(i.endpointSlices, (e) => {
      this.markDirty(`slice:${objectKey(e.object)}`);
      this.markSliceTargets(e.object);
      if (e.type === 'update') this.markSliceTargets(e.old);
    });
    this.on(i.gateways, (e) => {
      const key = objectKey(e.object);
      this.waypointCache.delete(key);
      this.markDependents(`wp:${key}`);
    });
    this.on(i.gatewayClasses, (e) => {
      const name = e.object.metadata.name ?? '';
      this.markDependents(`gwc:${name}`);
      for (const gw of i.gateways.list()) {
        if (asRecord(gw.spec)?.gatewayClassName !== name) continue;
        const key = objectKey(gw);
        this.waypointCache.delete(key);
        this.markDependents(`wp:${key}`);
      }
    });
    this.on(i.authorizationPolicies, (e) => {
      if (statusOnly(e)) return;
      const key = objectKey(e.object);
      const before = this.translations.get(key);
      const after = e.type === 'delete' ? undefined : this.translate(e.object);
      this.markDirty(`ap:${key}`);
      this.markWorkloadsSelectedBy(before);
      this.markWorkloadsSelectedBy(after);
      this.markListenersTargetedBy(e.object);
      if (e.type === 'update') this.markListenersTargetedBy(e.old);
    });
    this.on(i.httpRoutes, (e) => {
      const parents = routeParents(e.object);
      if (e.type === 'update') parents.push(...routeParents(e.old));
      for (const p of parents) this.markDirty(`l7${p}`);
    });
    this.on(i.virtualServices, (e) => {
      this.markListenersInNamespace(e.object.metadata.namespace ?? '');
    });
    this.on(i.destinationRules, (e) => {
      this.markListenersInNamespace(e.object.metadata.namespace ?? '');
    });
    this.on(i.peerAuthentications, (e) => {
      this.markDirty(PA_SOURCE);
      const ns = e.object.metadata.namespace ?? '';
      this.markAllWorkloadsIn(ns === this.config.rootNamespace ? undefined : ns);
    });
    this.on(i.serviceEntries, (e) => {
      if (statusOnly(e)) return;
      const key = objectKey(e.object);
      this.markDirty(`se:${key}`);
      this.markDirty(`l7se:${key}`);
      this.markDependents(`seobj:${key}`);
      const ns = e.object.metadata.namespace ?? '';
      const selectors = [workloadSelectorOf(e.object)];
      if (e.type === 'update') selectors.push(workloadSelectorOf(e.old));
      const matches = (labels: Readonly<Record<string, string>>): boolean =>
        selectors.some((s) => selectsLabels(s, labels));
      this.markPodsWhere(ns, matches);
      for (const we of i.workloadEntries.byIndex('namespace', ns)) {
        if (matches(workloadEntryLabels(we))) this.markDirty(`we:${objectKey(we)}`);
      }
    });
    this.on(i.workloadEntries, (e) => {
      this.markDirty(`we:${objectKey(e.object)}`);
    });
  }

  /** Marks every source for objects that exist at construction (stores filled before the index). */
  private seedFromInputs(): void {
    const i = this.inputs;
    for (const o of i.pods.list()) this.markDirty(`pod:${objectKey(o)}`);
    for (const o of i.services.list()) {
      this.markDirty(`svc:${objectKey(o)}`);
      this.markDirty(`l7svc:${objectKey(o)}`);
    }
    for (const o of i.endpointSlices.list()) this.markDirty(`slice:${objectKey(o)}`);
    for (const o of i.serviceEntries.list()) {
      this.markDirty(`se:${objectKey(o)}`);
      this.markDirty(`l7se:${objectKey(o)}`);
    }
    for (const o of i.workloadEntries.list()) this.markDirty(`we:${objectKey(o)}`);
    for (const o of i.httpRoutes.list()) for (const p of routeParents(o)) this.markDirty(`l7${p}`);
    for (const o of i.authorizationPolicies.list()) {
      this.translate(o);
      this.markDirty(`ap:${objectKey(o)}`);
    }
    this.markDirty(PA_SOURCE);
  }

  private markPodsWhere(
    namespace: string,
    predicate: (labels: Readonly<Record<string, string>>) => boolean,
  ): void {
    for (const pod of this.inputs.pods.byIndex('namespace', namespace)) {
      if (predicate(pod.metadata.labels ?? {})) this.markDirty(`pod:${objectKey(pod)}`);
    }
  }

  private markSliceTargets(slice: EndpointSlice): void {
    for (const ep of slice.endpoints ?? []) {
      const ref = ep.targetRef;
      if (ref?.kind === 'Pod' && ref.name) {
        this.markDirty(`pod:${ref.namespace ?? slice.metadata.namespace ?? ''}/${ref.name}`);
      }
    }
  }

  /** Every workload source in a namespace (all namespaces when undefined). */
  private markAllWorkloadsIn(namespace: string | undefined): void {
    const i = this.inputs;
    const pods =
      namespace === undefined ? [...i.pods.list()] : i.pods.byIndex('namespace', namespace);
    for (const p of pods) this.markDirty(`pod:${objectKey(p)}`);
    const wes =
      namespace === undefined
        ? [...i.workloadEntries.list()]
        : i.workloadEntries.byIndex('namespace', namespace);
    for (const w of wes) this.markDirty(`we:${objectKey(w)}`);
    const ses =
      namespace === undefined
        ? [...i.serviceEntries.list()]
        : i.serviceEntries.byIndex('namespace', namespace);
    for (const s of ses) this.markDirty(`se:${objectKey(s)}`);
  }

  private markWorkloadsSelectedBy(t: PolicyTranslation | undefined): void {
    if (!t || t.selection.kind === 'none') return;
    const root = this.config.rootNamespace;
    const scope = t.namespace === root ? undefined : t.namespace;
    const selects = (ns: string, labels: Readonly<Record<string, string>>): boolean =>
      policySelects(t, ns, labels, root);
    const i = this.inputs;
    const pods = scope === undefined ? [...i.pods.list()] : i.pods.byIndex('namespace', scope);
    for (const p of pods) {
      if (selects(p.metadata.namespace ?? '', p.metadata.labels ?? {}))
        this.markDirty(`pod:${objectKey(p)}`);
    }
    const wes =
      scope === undefined
        ? [...i.workloadEntries.list()]
        : i.workloadEntries.byIndex('namespace', scope);
    for (const w of wes) {
      if (selects(w.metadata.namespace ?? '', workloadEntryLabels(w)))
        this.markDirty(`we:${objectKey(w)}`);
    }
    const ses =
      scope === undefined
        ? [...i.serviceEntries.list()]
        : i.serviceEntries.byIndex('namespace', scope);
    for (const s of ses) this.markDirty(`se:${objectKey(s)}`);
  }

  /** Listener sources of services bound to waypoint `key` (all when undefined). */
  private markListenersOfWaypoint(key: string | undefined): void {
    for (const [source, wp] of this.serviceWaypoints) {
      if (wp !== undefined && (key === undefined || wp === key)) this.markDirty(`l7${source}`);
    }
  }

  /** A VirtualService/DestinationRule changed: services of that namespace, and those bound to its waypoints. */
  private markListenersInNamespace(ns: string): void {
    for (const svc of this.inputs.services.byIndex('namespace', ns))
      this.markDirty(`l7svc:${objectKey(svc)}`);
    for (const se of this.inputs.serviceEntries.byIndex('namespace', ns))
      this.markDirty(`l7se:${objectKey(se)}`);
    for (const [source, wp] of this.serviceWaypoints) {
      if (wp?.startsWith(`${ns}/`)) this.markDirty(`l7${source}`);
    }
  }

  private markListenersTargetedBy(obj: KubeObject): void {
    const ns = obj.metadata.namespace ?? '';
    const refs = rawTargetRefs(obj);
    const spec = asRecord(obj.spec);
    if (
      refs.length === 0 &&
      ((spec?.targetRef ?? null) !== null || (spec?.targetRefs ?? null) !== null)
    ) {
      this.markListenersInNamespace(ns);
      return;
    }
    for (const ref of refs) {
      if (ref.kind === 'Service') this.markDirty(`l7svc:${ns}/${ref.name}`);
      else if (ref.kind === 'ServiceEntry') this.markDirty(`l7se:${ns}/${ref.name}`);
      else if (ref.kind === 'Gateway') this.markListenersOfWaypoint(`${ns}/${ref.name}`);
      else if (ref.kind === 'GatewayClass' && ref.name === WAYPOINT_GATEWAY_CLASS)
        this.markListenersOfWaypoint(undefined);
    }
  }

  private translate(obj: KubeObject): PolicyTranslation {
    const t = translateAuthorizationPolicy(obj, this.config);
    this.translations.set(objectKey(obj), t);
    return t;
  }

  // ---------------------------------------------------------------- lookups

  private lookupWaypoint(key: string): Waypoint | undefined {
    if (this.waypointCache.has(key)) return this.waypointCache.get(key);
    const gw = this.inputs.gateways.get(key);
    let w: Waypoint | undefined;
    if (gw) {
      const className = asRecord(gw.spec)?.gatewayClassName;
      const cls =
        typeof className === 'string' ? this.inputs.gatewayClasses.get(className) : undefined;
      w = waypointFromGateway(gw, cls, this.config.network);
      for (const message of w?.warnings ?? []) this.warn(`Gateway/${key}`, message);
    }
    this.waypointCache.set(key, w);
    return w;
  }

  private buildContext(): BuildContext {
    const i = this.inputs;
    const read = (token: string): void => {
      this.deps.read(token);
    };
    return {
      config: this.config,
      namespace: (name): Namespace | undefined => {
        read(`ns:${name}`);
        return i.namespaces.get(name);
      },
      waypoint: (key) => {
        read(`wp:${key}`);
        return this.lookupWaypoint(key);
      },
      node: (name) => {
        read(`node:${name}`);
        return i.nodes.get(name);
      },
      service: (key): Service | undefined => {
        read(`svcobj:${key}`);
        return i.services.get(key);
      },
      serviceEntry: (key) => {
        read(`seobj:${key}`);
        return i.serviceEntries.get(key);
      },
      gatewayClass: (name) => {
        read(`gwc:${name}`);
        return i.gatewayClasses.get(name);
      },
      servicesSelecting: (namespace, labels) =>
        i.services
          .byIndex('namespace', namespace)
          .filter((s) => selectsLabels(s.spec?.selector, labels)),
      serviceEntriesSelecting: (namespace, labels) =>
        i.serviceEntries
          .byIndex('namespace', namespace)
          .filter((se) => selectsLabels(workloadSelectorOf(se), labels)),
      slicesTargetingPod: (podKey) => i.endpointSlices.byIndex('target-pod', podKey),
      policiesFor: (namespace, labels) => {
        const root = this.config.rootNamespace;
        const keys: string[] = [];
        const namespaces = namespace === root ? [root] : [namespace, root];
        for (const ns of namespaces) {
          for (const ap of i.authorizationPolicies.byIndex('namespace', ns)) {
            const t = this.translations.get(objectKey(ap));
            if (t && policySelects(t, namespace, labels, root)) keys.push(t.key);
          }
        }
        keys.sort();
        return [
          ...keys,
          ...workloadPeerAuthenticationKeys(this.peerAuths, namespace, labels, this.config),
        ];
      },
      warn: (object, message) => {
        this.warn(object, message);
      },
    };
  }

  private warn(object: string, message: string): void {
    this.currentWarnings?.push({ object, message });
  }

  // ---------------------------------------------------------------- recompute

  private recompute(source: string): void {
    const colon = source.indexOf(':');
    const kind = colon < 0 ? source : source.slice(0, colon);
    const key = colon < 0 ? '' : source.slice(colon + 1);
    const warnings: IndexWarning[] = [];
    this.currentWarnings = warnings;
    try {
      this.deps.track(source, () => {
        this.build(kind, key, source);
      });
    } catch (error) {
      // A builder bug or an input shape we did not foresee must not take the
      // index down; the source keeps its last outputs and the problem is logged.
      warnings.push({
        object: source,
        message: `internal error while deriving resources: ${error instanceof Error ? error.message : String(error)}`,
      });
    } finally {
      this.currentWarnings = undefined;
    }
    this.reportWarnings(source, warnings);
  }

  private reportWarnings(source: string, warnings: IndexWarning[]): void {
    const texts = warnings.map((w) => `${w.object}: ${w.message}`);
    const before = this.warningsBySource.get(source) ?? [];
    if (texts.length === 0) this.warningsBySource.delete(source);
    else this.warningsBySource.set(source, texts);
    if (texts.length === before.length && texts.every((t, n) => t === before[n])) return;
    this.pendingWarnings.push(...warnings);
  }

  private build(kind: string, key: string, source: string): void {
    const i = this.inputs;
    switch (kind) {
      case 'pod': {
        const pod: Pod | undefined = i.pods.get(key);
        const built = pod ? buildPodWorkload(pod, this.ctx) : undefined;
        this.addresses.setSource(source, built ? [workloadAddress(built)] : []);
        if (!pod) this.deps.forget(source);
        return;
      }
      case 'we': {
        const we = i.workloadEntries.get(key);
        const built = we ? buildWorkloadEntryWorkload(we, this.ctx) : undefined;
        this.addresses.setSource(source, built ? [workloadAddress(built)] : []);
        return;
      }
      case 'slice': {
        const slice = i.endpointSlices.get(key);
        this.addresses.setSource(
          source,
          slice ? buildEndpointSliceWorkloads(slice, this.ctx).map(workloadAddress) : [],
        );
        return;
      }
      case 'svc': {
        const svc = i.services.get(key);
        if (!svc) {
          this.addresses.setSource(source, []);
          this.serviceWaypoints.delete(source);
          this.setStatus(source, undefined);
          return;
        }
        const built = buildKubeService(svc, this.ctx);
        this.addresses.setSource(source, built.services.map(serviceAddress));
        this.serviceWaypoints.set(source, built.waypointKey);
        this.setStatus(source, {
          target: statusTarget('Service', svc),
          generation: svc.metadata.generation,
          conditions: new Map([[WAYPOINT_BOUND, built.waypointBound]]),
        });
        return;
      }
      case 'se': {
        const se = i.serviceEntries.get(key);
        if (!se) {
          this.addresses.setSource(source, []);
          this.serviceWaypoints.delete(source);
          this.setStatus(source, undefined);
          return;
        }
        const built = buildServiceEntryServices(se, this.ctx);
        const workloads = buildServiceEntryWorkloads(se, this.ctx);
        this.addresses.setSource(source, [
          ...built.services.map(serviceAddress),
          ...workloads.map(workloadAddress),
        ]);
        this.serviceWaypoints.set(source, built.waypointKey);
        this.setStatus(source, {
          target: statusTarget('ServiceEntry', se),
          generation: se.metadata.generation,
          conditions: new Map([[WAYPOINT_BOUND, built.waypointBound]]),
        });
        return;
      }
      case 'ap': {
        const obj = i.authorizationPolicies.get(key);
        if (!obj) {
          this.translations.delete(key);
          this.authorizations.setSource(source, []);
          this.setStatus(source, undefined);
          return;
        }
        const t = this.translations.get(key) ?? this.translate(obj);
        for (const w of t.warnings) this.warn(`AuthorizationPolicy/${key}`, w);
        this.authorizations.setSource(
          source,
          t.authorization ? [{ name: key, message: t.authorization, aliases: [] }] : [],
        );
        this.setStatus(source, {
          target: statusTarget('AuthorizationPolicy', obj),
          generation: obj.metadata.generation,
          conditions: new Map([
            [ZTUNNEL_ACCEPTED_CONDITION, t.ztunnelCondition],
            [WAYPOINT_ACCEPTED, waypointAcceptedCondition(obj, t, this.ctx)],
          ]),
        });
        return;
      }
      case 'l7svc': {
        const svc = this.ctx.service(key);
        if (!svc) this.warnRoutesWithMissingParent('Service', key);
        const binding = svc ? bindService(svc.metadata, this.ctx) : {};
        if (!svc || !binding.waypoint) {
          this.setListeners(source, [], undefined);
          return;
        }
        const ns = svc.metadata.namespace ?? '';
        const target: L7Target = {
          kind: 'Service',
          namespace: ns,
          name: svc.metadata.name ?? '',
          hostname: serviceHostname(svc.metadata.name ?? '', ns, this.config.domainSuffix),
          ports: (svc.spec?.ports ?? []).map((p) => ({
            port: p.port,
            name: p.name ?? '',
            protocol: kubePortProtocol(p.port, p.name, p.protocol, p.appProtocol),
          })),
          waypointKey: binding.waypoint.key,
          ...(svc.spec?.selector && { selector: svc.spec.selector }),
        };
        this.setListeners(source, this.compileL7(target), binding.waypoint.key);
        return;
      }
      case 'l7se': {
        const se = this.ctx.serviceEntry(key);
        if (!se) this.warnRoutesWithMissingParent('ServiceEntry', key);
        const binding = se ? bindService(se.metadata, this.ctx) : {};
        if (!se || !binding.waypoint) {
          this.setListeners(source, [], undefined);
          return;
        }
        const ns = se.metadata.namespace ?? '';
        const ports = serviceEntryPorts(se, this.ctx).map((p) => ({
          port: p.number,
          name: p.name,
          protocol: parseProtocolName(p.protocol),
        }));
        const hosts = (
          Array.isArray(asRecord(se.spec)?.hosts) ? (asRecord(se.spec)?.hosts as unknown[]) : []
        ).filter((h): h is string => typeof h === 'string');
        const waypointKey = binding.waypoint.key;
        const outputs = hosts.flatMap((hostname) =>
          this.compileL7({
            kind: 'ServiceEntry',
            namespace: ns,
            name: se.metadata.name ?? '',
            hostname,
            ports,
            waypointKey,
          }),
        );
        this.setListeners(source, outputs, waypointKey);
        return;
      }
      case PA_SOURCE: {
        const all: PeerAuthn[] = [];
        for (const obj of i.peerAuthentications.list()) {
          const { pa, warning } = readPeerAuthentication(obj);
          if (warning) this.warn(`PeerAuthentication/${objectKey(obj)}`, warning);
          all.push(pa);
        }
        this.peerAuths = all;
        this.authorizations.setSource(
          source,
          peerAuthenticationAuthorizations(all, this.config).map((a) => ({
            name: `${a.namespace}/${a.name}`,
            message: a,
            aliases: [],
          })),
        );
        return;
      }
    }
  }

  /**
   * An HTTPRoute whose mesh parent does not exist applies nowhere. Upstream
   * says so on the route's parent status (Accepted=False, NoMatchingParent);
   * we log it with upstream's message.
   */
  private warnRoutesWithMissingParent(kind: 'Service' | 'ServiceEntry', key: string): void {
    const slash = key.indexOf('/');
    const [ns, name] = [key.slice(0, slash), key.slice(slash + 1)];
    const group = kind === 'Service' ? '' : 'networking.istio.io';
    for (const route of this.inputs.httpRoutes.list()) {
      const namesParent = asArray(asRecord(route.spec)?.parentRefs).some((raw) => {
        const ref = asRecord(raw);
        const refGroup = asString(ref?.group) ?? '';
        return (
          asString(ref?.kind) === kind &&
          (refGroup === group || (group === '' && refGroup === 'core')) &&
          asString(ref?.name) === name &&
          (asString(ref?.namespace) ?? route.metadata.namespace) === ns
        );
      });
      if (!namesParent) continue;
      const what = kind === 'Service' ? 'parent service' : 'parent service entry';
      this.warn(`HTTPRoute/${objectKey(route)}`, `${what}: "${name}" not found`);
    }
  }

  private compileL7(target: L7Target): Output<waypoint.WaypointListener>[] {
    const i = this.inputs;
    const waypointNs = target.waypointKey.split('/')[0] ?? '';
    const namespaces = [...new Set([target.namespace, waypointNs])];
    const policies: WaypointPolicyInput[] = [];
    for (const raw of i.authorizationPolicies.list()) {
      const spec = asRecord(raw.spec);
      if ((spec?.targetRef ?? null) === null && (spec?.targetRefs ?? null) === null) continue;
      const t = this.translations.get(objectKey(raw));
      policies.push({ raw, ...(t?.parsed && { parsed: t.parsed }) });
    }
    const lookup: L7Lookup = {
      domainSuffix: this.config.domainSuffix,
      clusterId: this.config.clusterId,
      rootNamespace: this.config.rootNamespace,
      service: (k) => this.ctx.service(k),
      podUids: (ns, selector, labels) =>
        i.pods
          .byIndex('namespace', ns)
          .filter((p) => {
            const l = p.metadata.labels ?? {};
            const phase = p.status?.phase;
            return (
              (p.status?.podIP ?? '') !== '' &&
              phase !== 'Succeeded' &&
              phase !== 'Failed' &&
              Object.entries(selector).every(([k, v]) => l[k] === v) &&
              Object.entries(labels).every(([k, v]) => l[k] === v)
            );
          })
          .map((p) => podUid(this.config.clusterId, ns, p.metadata.name ?? ''))
          .sort(),
      destinationRules: (ns) => i.destinationRules.byIndex('namespace', ns),
      warn: (object, message) => {
        this.warn(object, message);
      },
    };
    return compileListeners(
      target,
      {
        httpRoutes: i.httpRoutes.byIndex('namespace', target.namespace),
        virtualServices: namespaces.flatMap((ns) => i.virtualServices.byIndex('namespace', ns)),
        policies,
      },
      lookup,
    ).map((c) => ({ name: c.name, message: c.listener, aliases: [] }));
  }

  private setListeners(
    source: string,
    outputs: Output<waypoint.WaypointListener>[],
    waypointKey: string | undefined,
  ): void {
    const before = this.listenerNamesBySource.get(source) ?? [];
    this.listeners.setSource(source, outputs);
    for (const name of before) if (!this.listeners.get(name)) this.listenerWaypoints.delete(name);
    for (const o of outputs) if (waypointKey) this.listenerWaypoints.set(o.name, waypointKey);
    if (outputs.length > 0)
      this.listenerNamesBySource.set(
        source,
        outputs.map((o) => o.name),
      );
    else this.listenerNamesBySource.delete(source);
  }

  private setStatus(source: string, desired: DesiredStatus | undefined): void {
    const before = this.statusBySource.get(source);
    if (!desired) {
      this.statusBySource.delete(source);
      return;
    }
    if (
      before &&
      before.generation === desired.generation &&
      conditionsEqual(desired.conditions, before.conditions)
    ) {
      return;
    }
    this.statusBySource.set(source, desired);
    this.pendingStatuses.set(source, desired);
  }

  /** Every status the index currently wants (a status writer resync). */
  desiredStatuses(): DesiredStatus[] {
    return [...this.statusBySource.values()];
  }
}

/**
 * An update that changed only status (or bookkeeping such as resourceVersion):
 * the index does not read status of these kinds, and our own status writes
 * would otherwise recompute every workload a Service or policy selects.
 */
function statusOnly(e: StoreEvent<KubeObject>): boolean {
  if (e.type !== 'update') return false;
  const view = (o: KubeObject): string =>
    JSON.stringify([
      o.spec,
      o.metadata.labels,
      o.metadata.annotations,
      o.metadata.deletionTimestamp,
      o.metadata.generation,
      o.metadata.uid,
    ]);
  return view(e.old) === view(e.object);
}

function priority(source: string): number {
  return source === PA_SOURCE || source.startsWith('ap:') ? 0 : 1;
}

function statusTarget(kind: StatusTarget['kind'], obj: KubeObject): StatusTarget {
  return { kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
}

function workloadSelectorOf(se: KubeObject): Readonly<Record<string, string>> | undefined {
  return asStringMap(asRecord(asRecord(se.spec)?.workloadSelector)?.labels);
}

function workloadEntryLabels(we: KubeObject): Readonly<Record<string, string>> {
  return { ...(we.metadata.labels ?? {}), ...(asStringMap(asRecord(we.spec)?.labels) ?? {}) };
}
