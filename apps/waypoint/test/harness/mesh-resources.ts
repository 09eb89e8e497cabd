// The WDS and WaypointListener resources a test or the bench hands the
// stand-in istiod, shaped as istiod would send them: services with a VIP,
// workloads that are HBONE-capable pods of those services, and listener
// pieces (routes, backends, matches, an ALLOW policy).

import { create, type MessageInitShape } from '@bufbuild/protobuf';
import type { ListenerInit, ServiceInit, WorkloadInit } from '@ambient-ts/istiod-client/testing';
import { waypoint as wp, workload as wl } from '@ambient-ts/xds-types';

export type RouteInit = MessageInitShape<typeof wp.RouteSchema>;
export type BackendInit = MessageInitShape<typeof wp.WeightedBackendSchema>;
export type PolicyInit = MessageInitShape<typeof wp.AuthorizationPolicySchema>;
type StringMatchInit = MessageInitShape<typeof wp.StringMatchSchema>;
type HeaderMatchInit = MessageInitShape<typeof wp.HeaderMatchSchema>;
type PathMatchInit = MessageInitShape<typeof wp.PathMatchSchema>;

export const TRUST_DOMAIN = 'cluster.local';

/** A Kubernetes Service with one port whose targetPort equals its port. */
export interface ServiceRef {
  readonly namespace: string;
  readonly name: string;
  readonly hostname: string;
  readonly vip: string;
  readonly port: number;
}

export function serviceRef(namespace: string, name: string, vip: string, port: number): ServiceRef {
  return { namespace, name, hostname: `${name}.${namespace}.svc.cluster.local`, vip, port };
}

export const podUid = (namespace: string, name: string): string =>
  `Kubernetes//Pod/${namespace}/${name}`;

export const ipBytes = (ip: string): Uint8Array => Uint8Array.from(ip.split('.').map(Number));

export function serviceInit(
  svc: ServiceRef,
): ServiceInit & { namespace: string; hostname: string } {
  return {
    name: svc.name,
    namespace: svc.namespace,
    hostname: svc.hostname,
    addresses: [{ network: '', address: ipBytes(svc.vip) }],
    ports: [{ servicePort: svc.port, targetPort: svc.port }],
  };
}

/** A running, HBONE-capable pod; `<name>-v<N>` gives canonical name and revision as Deployments do. */
export function workloadInit(w: {
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly serviceAccount: string;
  readonly services?: readonly ServiceRef[];
}): WorkloadInit & { uid: string } {
  return {
    uid: podUid(w.namespace, w.name),
    name: w.name,
    namespace: w.namespace,
    addresses: [ipBytes(w.ip)],
    serviceAccount: w.serviceAccount,
    tunnelProtocol: wl.TunnelProtocol.HBONE,
    node: 'node-1',
    canonicalName: w.name.replace(/-v\d$/, ''),
    canonicalRevision: /-(v\d)$/.exec(w.name)?.[1] ?? 'latest',
    workloadName: w.name,
    status: wl.WorkloadStatus.HEALTHY,
    services: Object.fromEntries(
      (w.services ?? []).map((s) => [
        `${s.namespace}/${s.hostname}`,
        create(wl.PortListSchema, { ports: [{ servicePort: s.port, targetPort: s.port }] }),
      ]),
    ),
  };
}

export const exact = (value: string): StringMatchInit => ({ kind: { case: 'exact', value } });

export const headerExact = (name: string, value: string): HeaderMatchInit => ({
  name,
  value: exact(value),
});

export const pathPrefix = (value: string): PathMatchInit => ({
  kind: { case: 'pathPrefix', value },
});

/** The service as a route backend, optionally narrowed to a subset of its workloads. */
export function backend(
  svc: ServiceRef,
  subset?: { readonly name: string; readonly workloadUids: readonly string[] },
): BackendInit {
  return {
    weight: 1,
    backend: {
      namespace: svc.namespace,
      hostname: svc.hostname,
      port: svc.port,
      ...(subset ? { subset: { name: subset.name, workloadUids: [...subset.workloadUids] } } : {}),
    },
  };
}

export function forwardTo(...backends: BackendInit[]): RouteInit['action'] {
  return { case: 'forward', value: { backends } };
}

/** ALLOW `methods` from the given principals (`<td>/ns/<ns>/sa/<sa>`, as istiod writes them). */
export function allowPolicy(
  namespace: string,
  name: string,
  rule: { readonly principals: readonly string[]; readonly methods: readonly string[] },
): PolicyInit {
  return {
    name,
    namespace,
    action: wp.Action.ALLOW,
    rules: [
      {
        from: [{ principals: rule.principals.map(exact) }],
        to: [{ methods: rule.methods.map(exact) }],
      },
    ],
  };
}

/** An HTTP WaypointListener for the service's port. */
export function httpListener(
  svc: ServiceRef,
  routes: readonly RouteInit[],
  policies: readonly PolicyInit[] = [],
): ListenerInit & { serviceNamespace: string; serviceHostname: string; port: number } {
  return {
    serviceNamespace: svc.namespace,
    serviceHostname: svc.hostname,
    port: svc.port,
    protocol: wp.Protocol.HTTP,
    httpRoutes: [...routes],
    policies: [...policies],
  };
}
