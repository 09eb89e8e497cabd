// The status istiod writes on a waypoint Gateway and on the istio-waypoint
// GatewayClass (gateway conversion.go / gatewayclass.go upstream): Accepted,
// Programmed once its Service has ready endpoints, ResolvedRefs; both address
// types, reported once ready and never removed; the mesh listener's status.

import { asArray, asRecord, asString, type Condition, type KubeObject } from '../kube/objects.js';

export interface WaypointServiceState {
  /** The Service's ClusterIPs (empty if it does not exist or has none). */
  readonly clusterIps: readonly string[];
  readonly exists: boolean;
  /** Ready endpoints serving port 15008. */
  readonly readyEndpoints: number;
}

export interface GatewayStatusAddress {
  readonly type: 'IPAddress' | 'Hostname';
  readonly value: string;
}

export interface ComputedGatewayStatus {
  readonly conditions: readonly Omit<Condition, 'lastTransitionTime'>[];
  readonly addresses: readonly GatewayStatusAddress[];
  readonly listeners: readonly {
    readonly name: string;
    readonly attachedRoutes: number;
    readonly supportedKinds: readonly { group: string; kind: string }[];
    readonly conditions: readonly Omit<Condition, 'lastTransitionTime'>[];
  }[];
}

const NO_ERRORS = 'No errors found';

export function computeWaypointGatewayStatus(
  gw: KubeObject,
  serviceHostname: string,
  svc: WaypointServiceState,
): ComputedGatewayStatus {
  const generation = gw.metadata.generation;
  const cond = (type: string, status: 'True' | 'False', reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    ...(generation !== undefined && { observedGeneration: generation }),
  });
  const ready = svc.exists && svc.readyEndpoints > 0;
  let programmed;
  if (ready) {
    programmed = cond(
      'Programmed',
      'True',
      'Programmed',
      `Resource programmed, assigned to service(s) ${serviceHostname}:15008`,
    );
  } else if (!svc.exists) {
    programmed = cond(
      'Programmed',
      'False',
      'AddressNotUsable',
      `Failed to assign to any requested addresses: hostname ${JSON.stringify(serviceHostname)} not found`,
    );
  } else {
    programmed = cond(
      'Programmed',
      'False',
      'AddressNotAssigned',
      `Failed to assign to any requested addresses: no instances found for hostname ${JSON.stringify(serviceHostname)}`,
    );
  }
  // Do not report an address until ready; once reported, never remove it.
  const previous = asArray(asRecord(gw.status)?.addresses).flatMap((a): GatewayStatusAddress[] => {
    const r = asRecord(a);
    const value = asString(r?.value);
    const type = r?.type === 'Hostname' ? 'Hostname' : 'IPAddress';
    return value ? [{ type, value }] : [];
  });
  const addresses: GatewayStatusAddress[] = ready
    ? [
        ...svc.clusterIps.map((value) => ({ type: 'IPAddress' as const, value })),
        { type: 'Hostname', value: serviceHostname },
      ]
    : previous;
  const listeners = asArray(asRecord(gw.spec)?.listeners).map((raw) => {
    const l = asRecord(raw) ?? {};
    const valid = l.protocol === 'HBONE' && l.port === 15008;
    return {
      name: asString(l.name) ?? '',
      attachedRoutes: 0,
      supportedKinds: valid
        ? []
        : [
            { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
            { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' },
          ],
      conditions: [
        valid
          ? cond('Accepted', 'True', 'Accepted', NO_ERRORS)
          : cond(
              'Accepted',
              'False',
              'UnsupportedProtocol',
              'Expected a single listener on port 15008 with protocol "HBONE"',
            ),
        cond('Conflicted', 'False', 'NoConflicts', NO_ERRORS),
        cond('Programmed', 'True', 'Programmed', NO_ERRORS),
        cond('ResolvedRefs', 'True', 'ResolvedRefs', NO_ERRORS),
      ],
    };
  });
  return {
    conditions: [
      cond('Accepted', 'True', 'Accepted', 'Resource accepted'),
      programmed,
      cond('ResolvedRefs', 'True', 'ResolvedRefs', 'All references resolved'),
    ],
    addresses,
    listeners,
  };
}

/** Conditions with lastTransitionTime kept from `current` when the status did not change. */
export function withTransitionTimes(
  desired: readonly Omit<Condition, 'lastTransitionTime'>[],
  current: readonly Condition[],
  now: string,
): Condition[] {
  return desired.map((c) => {
    const prev = current.find((p) => p.type === c.type);
    return {
      ...c,
      lastTransitionTime:
        prev?.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
    };
  });
}

export function gatewayClassAcceptedCondition(
  generation: number | undefined,
): Omit<Condition, 'lastTransitionTime'> {
  return {
    type: 'Accepted',
    status: 'True',
    reason: 'Accepted',
    message: 'Handled by Istio controller',
    ...(generation !== undefined && { observedGeneration: generation }),
  };
}
