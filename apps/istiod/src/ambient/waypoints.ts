// Waypoints and who uses them (pilot/pkg/serviceregistry/ambient/waypoints.go
// upstream): a Waypoint is derived from any Gateway that has status
// addresses; objects bind to one with `istio.io/use-waypoint` on themselves
// or their namespace, subject to the listener's allowedRoutes and the
// waypoint's traffic type.

import { create } from '@bufbuild/protobuf';
import { workload } from '@ambient-ts/xds-types';
import { parseLabelSelector, type LabelSelector } from '../kube/label-selector.js';
import {
  asArray,
  asRecord,
  asString,
  type KubeObject,
  type Namespace,
  type ObjectMeta,
} from '../kube/objects.js';
import { ipBytes } from './ip.js';

export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
export const USE_WAYPOINT_NAMESPACE_LABEL = 'istio.io/use-waypoint-namespace';
export const WAYPOINT_FOR_LABEL = 'istio.io/waypoint-for';
export const MANAGED_LABEL = 'gateway.istio.io/managed';
export const MESH_CONTROLLER_MANAGED = 'istio.io-mesh-controller';
export const EAST_WEST_CONTROLLER_MANAGED = 'istio.io-eastwest-controller';
export const INBOUND_BINDING_ANNOTATION = 'ambient.istio.io/waypoint-inbound-binding';
export const HBONE_PORT = 15008;

export type TrafficType = 'service' | 'workload' | 'all' | 'none' | (string & {});

export interface AllowedRoutes {
  /** `Same` unless the listener says `All` or `Selector`; unknown values read as `Same`. */
  readonly from: 'All' | 'Same' | 'Selector';
  /** For `Selector`; undefined when it could not be read (then nothing may attach). */
  readonly selector?: LabelSelector;
}

export interface Waypoint {
  /** `<namespace>/<name>` of the Gateway. */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** Undefined when no status address could be read. */
  readonly address: workload.GatewayAddress | undefined;
  readonly trafficType: TrafficType;
  readonly allowedRoutes: AllowedRoutes;
  /** From `ambient.istio.io/waypoint-inbound-binding` (Gateway, else GatewayClass). */
  readonly inboundBinding?: workload.ApplicationTunnel;
  /** Problems reading the Gateway, for a logged warning. */
  readonly warnings: readonly string[];
}

/** A binding failure, with upstream's reason and message for `istio.io/WaypointBound`. */
export interface BindingError {
  readonly reason: string;
  readonly message: string;
}

export const waypointNotReady = (key: string): BindingError => ({
  reason: 'WaypointIsNotReady',
  message: `waypoint ${JSON.stringify(key)} is not ready`,
});
export const waypointAttachmentDenied = (key: string): BindingError => ({
  reason: 'AttachmentDenied',
  message: `we are not permitted to attach to waypoint ${JSON.stringify(key)} (missing allowedRoutes?)`,
});
export const waypointUnsupportedTrafficType = (key: string, type: string): BindingError => ({
  reason: 'UnsupportedTrafficType',
  message: `attempting to bind to traffic type ${JSON.stringify(type)} which the waypoint ${JSON.stringify(key)} does not support`,
});

function gatewayAddress(
  gw: KubeObject,
  network: string,
  warnings: string[],
): workload.GatewayAddress | undefined {
  const addresses = asArray(asRecord(gw.status)?.addresses).map(asRecord);
  for (const a of addresses) {
    const value = asString(a?.value);
    if (a?.type === 'Hostname' && value) {
      return create(workload.GatewayAddressSchema, {
        destination: {
          case: 'hostname',
          value: { namespace: gw.metadata.namespace ?? '', hostname: value },
        },
        hboneMtlsPort: HBONE_PORT,
      });
    }
  }
  for (const a of addresses) {
    const value = asString(a?.value);
    // A missing type is IPAddress: the Gateway API CRD defaults it so.
    if ((a?.type === 'IPAddress' || a?.type === undefined) && value) {
      const bytes = ipBytes(value);
      if (!bytes) {
        warnings.push(`status.addresses value ${JSON.stringify(value)} is not an IP address`);
        continue;
      }
      return create(workload.GatewayAddressSchema, {
        destination: { case: 'address', value: { network, address: bytes } },
        hboneMtlsPort: HBONE_PORT,
      });
    }
  }
  return undefined;
}

function inboundBinding(
  gw: KubeObject,
  gwClass: KubeObject | undefined,
  warnings: string[],
): workload.ApplicationTunnel | undefined {
  const text =
    gw.metadata.annotations?.[INBOUND_BINDING_ANNOTATION] ??
    gwClass?.metadata.annotations?.[INBOUND_BINDING_ANNOTATION];
  if (text === undefined) return undefined;
  const parts = text.split('/');
  if (parts.length > 2) {
    warnings.push(
      `invalid ${INBOUND_BINDING_ANNOTATION} ${JSON.stringify(text)}: use "<protocol>" or "<protocol>/<port>"`,
    );
    return undefined;
  }
  const [proto, portText] = parts;
  let protocol: workload.ApplicationTunnel_Protocol;
  if (proto === 'NONE') protocol = workload.ApplicationTunnel_Protocol.NONE;
  else if (proto === 'PROXY') protocol = workload.ApplicationTunnel_Protocol.PROXY;
  else {
    warnings.push(
      `invalid protocol ${JSON.stringify(proto)} in ${INBOUND_BINDING_ANNOTATION}: only NONE or PROXY`,
    );
    return undefined;
  }
  let port = 0;
  if (portText !== undefined) {
    port = /^\d+$/.test(portText) && Number(portText) <= 65535 ? Number(portText) : 0;
    if (port === 0)
      warnings.push(`invalid port ${JSON.stringify(portText)} in ${INBOUND_BINDING_ANNOTATION}`);
  }
  return create(workload.ApplicationTunnelSchema, { protocol, port });
}

function allowedRoutes(
  gw: KubeObject,
  binding: workload.ApplicationTunnel | undefined,
  warnings: string[],
): AllowedRoutes {
  const listeners = asArray(asRecord(gw.spec)?.listeners).map(asRecord);
  let listener: Readonly<Record<string, unknown>> | undefined;
  if (binding) {
    listener = listeners.find((l) =>
      binding.port !== 0
        ? l?.port === binding.port
        : binding.protocol === workload.ApplicationTunnel_Protocol.PROXY && l?.protocol === 'PROXY',
    );
  }
  listener ??= listeners.find((l) => l?.protocol === 'HBONE' && l.port === HBONE_PORT);
  const namespaces = asRecord(asRecord(listener?.allowedRoutes)?.namespaces);
  const from = namespaces?.from;
  if (from === 'All') return { from: 'All' };
  if (from === 'Selector') {
    try {
      return {
        from: 'Selector',
        selector: parseLabelSelector(namespaces?.selector, 'allowedRoutes.namespaces.selector'),
      };
    } catch (error) {
      warnings.push(`${(error as Error).message}; no namespace may attach until it is fixed`);
      return { from: 'Selector' };
    }
  }
  if (from !== undefined && from !== 'Same') {
    warnings.push(
      `allowedRoutes.namespaces.from ${JSON.stringify(from)} is unknown; treated as Same`,
    );
  }
  return { from: 'Same' };
}

/** The Waypoint a Gateway stands for, or undefined while it has no status addresses. */
export function waypointFromGateway(
  gw: KubeObject,
  gwClass: KubeObject | undefined,
  network: string,
): Waypoint | undefined {
  if (asArray(asRecord(gw.status)?.addresses).length === 0) return undefined;
  const warnings: string[] = [];
  const namespace = gw.metadata.namespace ?? '';
  const name = gw.metadata.name ?? '';
  const binding = inboundBinding(gw, gwClass, warnings);
  const trafficType =
    gw.metadata.labels?.[WAYPOINT_FOR_LABEL] ??
    gwClass?.metadata.labels?.[WAYPOINT_FOR_LABEL] ??
    'service';
  return {
    key: `${namespace}/${name}`,
    namespace,
    name,
    address: gatewayAddress(gw, network, warnings),
    trafficType,
    allowedRoutes: allowedRoutes(gw, binding, warnings),
    ...(binding && { inboundBinding: binding }),
    warnings,
  };
}

/** Whether objects in `namespace` may attach to `w`. */
export function allowsAttachment(
  w: Waypoint,
  namespace: string,
  ns: Namespace | undefined,
): boolean {
  switch (w.allowedRoutes.from) {
    case 'All':
      return true;
    case 'Selector':
      return (
        w.allowedRoutes.selector !== undefined &&
        w.allowedRoutes.selector(ns?.metadata.labels ?? {})
      );
    default:
      return w.namespace === namespace;
  }
}

/** `istio.io/use-waypoint` on an object: the waypoint key it names, `none`, or nothing. */
export function useWaypointLabel(
  meta: ObjectMeta,
  fallbackNamespace: string,
): { key?: string; none: boolean } {
  const value = meta.labels?.[USE_WAYPOINT_LABEL];
  if (value === undefined) return { none: false };
  if (value === 'none') return { none: true };
  const ns = meta.labels?.[USE_WAYPOINT_NAMESPACE_LABEL] ?? fallbackNamespace;
  return { key: `${ns}/${value}`, none: false };
}

/** The lookups binding needs; the index records each as a dependency. */
export interface WaypointLookup {
  namespace(name: string): Namespace | undefined;
  waypoint(key: string): Waypoint | undefined;
}

export interface Binding {
  readonly waypoint?: Waypoint;
  readonly error?: BindingError;
}

/** fetchWaypointForTarget: the object's own label, else its namespace's. */
export function bindTarget(meta: ObjectMeta, lookup: WaypointLookup): Binding {
  const objectNamespace = meta.namespace ?? '';
  const own = useWaypointLabel(meta, objectNamespace);
  if (own.none) return {};
  if (own.key !== undefined) {
    const w = lookup.waypoint(own.key);
    if (!w) return { error: waypointNotReady(own.key) };
    if (!allowsAttachment(w, objectNamespace, lookup.namespace(objectNamespace))) {
      return { error: waypointAttachmentDenied(w.key) };
    }
    return { waypoint: w };
  }
  const ns = lookup.namespace(objectNamespace);
  if (!ns) return {};
  const inherited = useWaypointLabel(ns.metadata, objectNamespace);
  if (inherited.key === undefined) return {};
  const w = lookup.waypoint(inherited.key);
  if (!w) return { error: waypointNotReady(inherited.key) };
  if (!allowsAttachment(w, objectNamespace, ns)) return { error: waypointAttachmentDenied(w.key) };
  return { waypoint: w };
}

/** fetchWaypointForService: services need a `service` or `all` waypoint. */
export function bindService(meta: ObjectMeta, lookup: WaypointLookup): Binding {
  const managed = meta.labels?.[MANAGED_LABEL];
  if (managed === MESH_CONTROLLER_MANAGED || managed === EAST_WEST_CONTROLLER_MANAGED) return {};
  const b = bindTarget(meta, lookup);
  if (!b.waypoint) return b;
  if (b.waypoint.trafficType !== 'service' && b.waypoint.trafficType !== 'all') {
    return { error: waypointUnsupportedTrafficType(b.waypoint.key, 'service') };
  }
  return b;
}

/** fetchWaypointForWorkload: workloads need a `workload` or `all` waypoint; errors only when the object asked itself. */
export function bindWorkload(meta: ObjectMeta, lookup: WaypointLookup): Binding {
  const b = bindTarget(meta, lookup);
  if (!b.waypoint) return b;
  if (b.waypoint.trafficType === 'workload' || b.waypoint.trafficType === 'all') return b;
  if (meta.labels?.[USE_WAYPOINT_LABEL] === undefined) return {};
  return { error: waypointUnsupportedTrafficType(b.waypoint.key, 'workload') };
}
