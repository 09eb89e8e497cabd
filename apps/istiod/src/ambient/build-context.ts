// What the WDS builders may look up. The ambient index implements it and
// records the keyed lookups (namespace, node, waypoint, service…) as
// dependencies of the output being built, so a change to one of those inputs
// recomputes exactly the outputs that read it.

import type { KubeObject, Node, Service, EndpointSlice } from '../kube/objects.js';
import type { IndexConfig } from './index-config.js';
import type { WaypointLookup } from './waypoints.js';

export interface BuildContext extends WaypointLookup {
  readonly config: IndexConfig;
  node(name: string): Node | undefined;
  /** A Kubernetes Service by `namespace/name`. */
  service(key: string): Service | undefined;
  /** A ServiceEntry by `namespace/name`. */
  serviceEntry(key: string): KubeObject | undefined;
  gatewayClass(name: string): KubeObject | undefined;
  /** Services in `namespace` whose non-empty selector matches `labels`. */
  servicesSelecting(namespace: string, labels: Readonly<Record<string, string>>): Service[];
  /** ServiceEntries in `namespace` whose workloadSelector matches `labels`. */
  serviceEntriesSelecting(
    namespace: string,
    labels: Readonly<Record<string, string>>,
  ): KubeObject[];
  /** EndpointSlices with an endpoint whose targetRef is this pod (`namespace/name`). */
  slicesTargetingPod(podKey: string): EndpointSlice[];
  /** Selector policy keys (sorted) plus PeerAuthentication keys for a workload. */
  policiesFor(namespace: string, labels: Readonly<Record<string, string>>): string[];
  /** Reports a problem with an input object (logged; never fatal). */
  warn(object: string, message: string): void;
}
