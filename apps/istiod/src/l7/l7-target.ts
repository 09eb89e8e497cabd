// What the L7 compilers compile for: one service (Kubernetes Service or one
// ServiceEntry host) bound to a waypoint, and the lookups they need.

import type { KubeObject, Service } from '../kube/objects.js';
import type { PortProtocol } from '../ambient/protocol.js';

export interface TargetPort {
  readonly port: number;
  readonly name: string;
  readonly protocol: PortProtocol;
}

export interface L7Target {
  readonly kind: 'Service' | 'ServiceEntry';
  /** The object's namespace and name (ServiceEntry: the SE, not the host). */
  readonly namespace: string;
  readonly name: string;
  /** FQDN (`name.ns.svc.cluster.local`) or the ServiceEntry host. */
  readonly hostname: string;
  readonly ports: readonly TargetPort[];
  /** `ns/name` of the waypoint serving it. */
  readonly waypointKey: string;
  /** Pod selector (Kubernetes Services), for DestinationRule subsets. */
  readonly selector?: Readonly<Record<string, string>>;
}

export interface L7Lookup {
  readonly domainSuffix: string;
  readonly clusterId: string;
  readonly rootNamespace: string;
  /** A Kubernetes Service by `namespace/name` (recorded as a dependency). */
  service(key: string): Service | undefined;
  /** WDS uids of pods in `namespace` whose labels include all of `labels` and `selector`. */
  podUids(
    namespace: string,
    selector: Readonly<Record<string, string>>,
    labels: Readonly<Record<string, string>>,
  ): string[];
  destinationRules(namespace: string): readonly KubeObject[];
  warn(object: string, message: string): void;
}
