// The waypoint deployment controller (gatewaycommon/deploymentcontroller.go
// upstream): for each Gateway of class istio-waypoint, server-side apply its
// ServiceAccount, Deployment and Service (owned by the Gateway, so deleting
// the Gateway garbage-collects them), then write the Gateway's status. It
// creates the istio-waypoint GatewayClass if missing and accepts it. It never
// takes over an object it did not label, nor a Gateway stamped by a newer
// controller version.

import { KubeApiError, type KubeApi } from '../kube/kube-api.js';
import type { ObjectStore } from '../kube/object-store.js';
import {
  asRecord,
  objectKey,
  type Condition,
  type EndpointSlice,
  type KubeObject,
  type Service,
} from '../kube/objects.js';
import { RESOURCES, type ResourceType } from '../kube/resources.js';
import type { Logger } from '../runtime/logger.js';
import { WorkQueue } from '../runtime/work-queue.js';
import { currentConditions } from '../status/status-writer.js';
import {
  computeWaypointGatewayStatus,
  gatewayClassAcceptedCondition,
  withTransitionTimes,
  type WaypointServiceState,
} from './gateway-status.js';
import {
  GATEWAY_NAME_LABEL,
  MANAGED_LABEL,
  MESH_CONTROLLER,
  renderWaypointObjects,
  WAYPOINT_CLASS,
  waypointResourceName,
  type WaypointDeploymentSettings,
} from './waypoint-objects.js';

export const FIELD_MANAGER = 'istio.io/gateway-controller';
export const CONTROLLER_VERSION_ANNOTATION = 'gateway.istio.io/controller-version';
export const CONTROLLER_VERSION = 5;
const CLASS_KEY = '\u0000gatewayclass';

/** Whether to handle a Gateway, and whether to (re)stamp our controller version (ManagedGatewayControllerVersion). */
export function controllerVersionDecision(gw: KubeObject): { manage: boolean; stamp: boolean } {
  const current = gw.metadata.annotations?.[CONTROLLER_VERSION_ANNOTATION];
  if (current === undefined) return { manage: true, stamp: true };
  if (!/^\d+$/.test(current)) return { manage: false, stamp: false };
  const n = Number(current);
  if (n > CONTROLLER_VERSION) return { manage: false, stamp: false };
  return { manage: true, stamp: n < CONTROLLER_VERSION };
}

export interface DeploymentControllerOptions {
  readonly api: KubeApi;
  readonly gateways: ObjectStore<KubeObject>;
  readonly gatewayClasses: ObjectStore<KubeObject>;
  readonly services: ObjectStore<Service>;
  readonly endpointSlices: ObjectStore<EndpointSlice>;
  readonly managedDeployments: ObjectStore<KubeObject>;
  readonly managedServiceAccounts: ObjectStore<KubeObject>;
  readonly settings: WaypointDeploymentSettings;
  readonly logger: Logger;
  readonly now?: () => Date;
}

function isWaypoint(gw: KubeObject | undefined): gw is KubeObject {
  return asRecord(gw?.spec)?.gatewayClassName === WAYPOINT_CLASS;
}

export class WaypointDeploymentController {
  private readonly queue: WorkQueue;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly options: DeploymentControllerOptions) {
    this.queue = new WorkQueue({
      name: 'waypoint-deployments',
      logger: options.logger,
      concurrency: 2,
      process: (key) => (key === CLASS_KEY ? this.reconcileClass() : this.reconcile(key)),
    });
  }

  start(signal?: AbortSignal): void {
    const o = this.options;
    const byGatewayLabel = (obj: KubeObject): void => {
      const gw = obj.metadata.labels?.[GATEWAY_NAME_LABEL];
      if (gw && obj.metadata.namespace) this.queue.add(`${obj.metadata.namespace}/${gw}`);
    };
    this.unsubscribe.push(
      o.gateways.subscribe((e) => {
        if (isWaypoint(e.object) || (e.type === 'update' && isWaypoint(e.old)))
          this.queue.add(objectKey(e.object));
      }),
      o.gatewayClasses.subscribe(() => {
        this.queue.add(CLASS_KEY);
      }),
      o.managedDeployments.subscribe((e) => {
        byGatewayLabel(e.object);
      }),
      o.managedServiceAccounts.subscribe((e) => {
        byGatewayLabel(e.object);
      }),
      o.services.subscribe((e) => {
        if (e.object.metadata.labels?.[MANAGED_LABEL]) byGatewayLabel(e.object);
      }),
      o.endpointSlices.subscribe((e) => {
        const svc = e.object.metadata.labels?.['kubernetes.io/service-name'];
        const ns = e.object.metadata.namespace ?? '';
        if (!svc) return;
        const owner = o.services.get(`${ns}/${svc}`);
        if (owner?.metadata.labels?.[MANAGED_LABEL]) byGatewayLabel(owner);
      }),
    );
    signal?.addEventListener(
      'abort',
      () => {
        this.close();
      },
      { once: true },
    );
    this.queue.add(CLASS_KEY);
    for (const gw of o.gateways.list()) if (isWaypoint(gw)) this.queue.add(objectKey(gw));
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.queue.close();
  }

  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  private now(): string {
    return (this.options.now ?? (() => new Date()))()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  private async reconcileClass(): Promise<void> {
    const { api, gatewayClasses, logger } = this.options;
    let cls = gatewayClasses.get(WAYPOINT_CLASS);
    if (!cls) {
      try {
        cls = await api.create(RESOURCES.gatewayClasses, {
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'GatewayClass',
          metadata: { name: WAYPOINT_CLASS },
          spec: {
            controllerName: MESH_CONTROLLER,
            description: 'The default Istio waypoint GatewayClass',
          },
        });
        logger.info({ gatewayClass: WAYPOINT_CLASS }, 'created GatewayClass');
      } catch (error) {
        // Already there (our cache is behind), or Gateway API CRDs not installed yet: the informer retries us.
        if (error instanceof KubeApiError && (error.conflict || error.notFound)) return;
        throw error;
      }
    }
    if (asRecord(cls.spec)?.controllerName !== MESH_CONTROLLER) return;
    const current = currentConditions(cls);
    const wanted = withTransitionTimes(
      [gatewayClassAcceptedCondition(cls.metadata.generation)],
      current,
      this.now(),
    );
    const accepted = current.find((c) => c.type === 'Accepted');
    if (
      accepted?.status === 'True' &&
      accepted.observedGeneration === cls.metadata.generation &&
      accepted.reason === 'Accepted'
    )
      return;
    await api.patch(
      RESOURCES.gatewayClasses,
      WAYPOINT_CLASS,
      undefined,
      { status: { conditions: mergeByType(current, wanted) } },
      {
        patchType: 'merge',
        subresource: 'status',
      },
    );
  }

  private async reconcile(key: string): Promise<void> {
    const o = this.options;
    const gw = o.gateways.get(key);
    if (!isWaypoint(gw)) return; // deleted: ownerReferences let the garbage collector remove the rest
    if (gw.metadata.deletionTimestamp) return;
    const version = controllerVersionDecision(gw);
    if (!version.manage) {
      o.logger.debug({ gateway: key }, 'skipping gateway managed by a newer controller version');
      return;
    }
    const ns = gw.metadata.namespace ?? '';
    if (version.stamp) {
      await o.api.patch(
        RESOURCES.gateways,
        gw.metadata.name ?? '',
        ns,
        {
          metadata: {
            annotations: { [CONTROLLER_VERSION_ANNOTATION]: String(CONTROLLER_VERSION) },
          },
        },
        { patchType: 'merge' },
      );
    }
    const objects = renderWaypointObjects(gw, o.settings);
    await this.apply(RESOURCES.serviceAccounts, objects.serviceAccount, key);
    await this.apply(RESOURCES.deployments, objects.deployment, key);
    await this.apply(RESOURCES.services, objects.service, key);
    await this.writeStatus(gw);
  }

  /** Server-side apply, unless an object we did not create sits there. */
  private async apply(type: ResourceType, obj: KubeObject, gateway: string): Promise<void> {
    const { api, logger } = this.options;
    const name = obj.metadata.name ?? '';
    const ns = obj.metadata.namespace ?? '';
    const existing = await api.get(type, name, ns);
    if (existing && existing.metadata.labels?.[MANAGED_LABEL] === undefined) {
      logger.warn(
        { gateway, object: `${type.kind}/${ns}/${name}` },
        `not taking over ${type.kind} ${ns}/${name}: it is not labeled ${MANAGED_LABEL}`,
      );
      return;
    }
    await api.patch(type, name, ns, obj, {
      patchType: 'apply',
      fieldManager: FIELD_MANAGER,
      force: true,
    });
  }

  private serviceState(gw: KubeObject): WaypointServiceState {
    const o = this.options;
    const ns = gw.metadata.namespace ?? '';
    const name = waypointResourceName(gw);
    const svc = o.services.get(`${ns}/${name}`);
    if (!svc) return { exists: false, clusterIps: [], readyEndpoints: 0 };
    const ips = (
      svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec?.clusterIP ?? '']
    ).filter((ip) => ip !== '' && ip !== 'None');
    let ready = 0;
    for (const slice of o.endpointSlices.byIndex('service', `${ns}/${name}`)) {
      if (!(slice.ports ?? []).some((p) => p.port === 15008 || p.name === 'mesh')) continue;
      for (const ep of slice.endpoints ?? []) if (ep.conditions?.ready !== false) ready += 1;
    }
    return { exists: true, clusterIps: ips, readyEndpoints: ready };
  }

  private async writeStatus(gw: KubeObject): Promise<void> {
    const ns = gw.metadata.namespace ?? '';
    const hostname = `${waypointResourceName(gw)}.${ns}.svc.${this.options.settings.domainSuffix}`;
    const computed = computeWaypointGatewayStatus(gw, hostname, this.serviceState(gw));
    const status = asRecord(gw.status) ?? {};
    const current = currentConditions(gw);
    const now = this.now();
    const conditions = mergeByType(current, withTransitionTimes(computed.conditions, current, now));
    const currentListeners = Array.isArray(status.listeners)
      ? (status.listeners as { name?: string; conditions?: Condition[] }[])
      : [];
    const listeners = computed.listeners.map((l) => ({
      ...l,
      conditions: withTransitionTimes(
        l.conditions,
        currentListeners.find((c) => c.name === l.name)?.conditions ?? [],
        now,
      ),
    }));
    const next = { conditions, addresses: computed.addresses, listeners };
    if (sameStatus(status, next)) return;
    await this.options.api.patch(
      RESOURCES.gateways,
      gw.metadata.name ?? '',
      ns,
      { status: next },
      {
        patchType: 'merge',
        subresource: 'status',
      },
    );
  }
}

function mergeByType(current: readonly Condition[], wanted: readonly Condition[]): Condition[] {
  const types = new Set(wanted.map((c) => c.type));
  return [...current.filter((c) => !types.has(c.type)), ...wanted];
}

/** Canonical JSON (sorted keys, no lastTransitionTime): the API server reorders keys. */
export function comparable(value: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    const rec = asRecord(v);
    if (!rec) return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(rec).sort()) {
      // lastTransitionTime moves only with a status change, which changes status too.
      if (k !== 'lastTransitionTime' && rec[k] !== undefined) out[k] = canon(rec[k]);
    }
    return out;
  };
  return JSON.stringify(canon(value));
}

function sameStatus(
  current: Readonly<Record<string, unknown>>,
  next: Record<string, unknown>,
): boolean {
  return (
    comparable(current.conditions ?? []) === comparable(next.conditions) &&
    comparable(current.addresses ?? []) === comparable(next.addresses) &&
    comparable(current.listeners ?? []) === comparable(next.listeners)
  );
}
