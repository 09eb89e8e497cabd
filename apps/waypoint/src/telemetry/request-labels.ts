// The labels of istio_requests_total / istio_request_duration_milliseconds as
// a waypoint reports them (reporter="waypoint"), in Istio's standard-metric
// order. Source facts come from the verified peer identity and the WDS
// workload behind the peer IP; destination facts from the endpoint the
// request went to. Empty values are exported as "unknown". Pure.

import type { Service, Workload } from '@ambient-ts/workload-state';

export const REQUEST_LABEL_NAMES = [
  'reporter',
  'source_workload',
  'source_canonical_service',
  'source_canonical_revision',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_service_name',
  'destination_service_namespace',
  'destination_cluster',
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
] as const;

export type RequestLabels = Record<(typeof REQUEST_LABEL_NAMES)[number], string>;

export interface RequestFacts {
  /** The HBONE peer's SPIFFE URI (always present: HBONE is mutual TLS). */
  readonly peerIdentity: string;
  readonly source: Workload | undefined;
  /** The service the client addressed (the listener's). */
  readonly service: Service;
  /** The endpoint that answered; undefined for local replies. */
  readonly destination: Workload | undefined;
  /** The destination endpoint's identity URI, when one answered over HBONE. */
  readonly destinationIdentity: string | undefined;
  readonly protocol: 'http' | 'grpc';
  readonly responseCode: number;
  readonly grpcStatus: string | undefined;
  /** Envoy response flags, `-` when none. */
  readonly responseFlags: string;
}

const v = (s: string | undefined): string => (s === undefined || s === '' ? 'unknown' : s);
const principal = (uri: string | undefined): string => v(uri?.replace(/^spiffe:\/\//, ''));

export function requestLabels(f: RequestFacts): RequestLabels {
  const src = f.source;
  const dst = f.destination;
  return {
    reporter: 'waypoint',
    source_workload: v(src?.workloadName),
    source_canonical_service: v(src?.canonicalName),
    source_canonical_revision: v(src?.canonicalRevision),
    source_workload_namespace: v(src?.namespace),
    source_principal: principal(f.peerIdentity),
    source_app: v(src?.canonicalName),
    source_version: v(src?.canonicalRevision),
    source_cluster: v(src?.clusterId),
    destination_workload: v(dst?.workloadName),
    destination_workload_namespace: v(dst?.namespace),
    destination_principal: principal(f.destinationIdentity),
    destination_app: v(dst?.canonicalName),
    destination_version: v(dst?.canonicalRevision),
    destination_service: f.service.hostname,
    destination_canonical_service: v(dst?.canonicalName),
    destination_canonical_revision: v(dst?.canonicalRevision),
    destination_service_name: f.service.name,
    destination_service_namespace: f.service.namespace,
    destination_cluster: v(dst?.clusterId),
    request_protocol: f.protocol,
    response_code: String(f.responseCode),
    grpc_response_status: v(f.grpcStatus),
    response_flags: f.responseFlags || '-',
    connection_security_policy: 'mutual_tls',
  };
}
