/** Identifies one WaypointListener resource: a service port. */
export interface WaypointListenerKey {
  readonly namespace: string;
  /** FQDN, as in WDS Service.hostname. */
  readonly hostname: string;
  /** Service port. */
  readonly port: number;
}

/**
 * The xDS resource name of a WaypointListener:
 * `<namespace>/<hostname>:<port>`, e.g. `bookinfo/reviews.bookinfo.svc.cluster.local:9080`.
 */
export function waypointListenerName(key: WaypointListenerKey): string {
  return `${key.namespace}/${key.hostname}:${key.port}`;
}
