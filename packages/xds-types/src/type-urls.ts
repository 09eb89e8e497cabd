// Every xDS type URL ambient-ts serves, in one place. A type URL is the Any
// prefix plus the protobuf full name; type-urls.test.ts checks each constant
// against the generated schema so a rename cannot drift silently.

/** Prefix of every Any type URL we produce. */
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** WDS: istio.workload.Address (Workload or Service). Wildcard-subscribed by ztunnel. */
export const ADDRESS_TYPE_URL = 'type.googleapis.com/istio.workload.Address';

/** WDS authorization: istio.security.Authorization (L4 policies). */
export const AUTHORIZATION_TYPE_URL = 'type.googleapis.com/istio.security.Authorization';

/** Our waypoint L7 configuration: ambient_ts.waypoint.v1.WaypointListener. */
export const WAYPOINT_LISTENER_TYPE_URL =
  'type.googleapis.com/ambient_ts.waypoint.v1.WaypointListener';

/** The type URL for a protobuf full name, e.g. `istio.workload.Address`. */
export function typeUrlFor(typeName: string): string {
  return TYPE_URL_PREFIX + typeName;
}

/**
 * The type URLs istiod serves, and so the only ones DeltaAdsServer accepts by
 * default: a request for any other type is refused with INVALID_ARGUMENT
 * instead of creating per-type state for it.
 */
export const SERVED_TYPE_URLS: readonly string[] = Object.freeze([
  ADDRESS_TYPE_URL,
  AUTHORIZATION_TYPE_URL,
  WAYPOINT_LISTENER_TYPE_URL,
]);
