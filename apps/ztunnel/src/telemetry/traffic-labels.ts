// The labels of istio_tcp_* metrics, in upstream's order, built from what a
// connection knows. Empty values are exported as "unknown". Pure.

import type { Service, Workload } from '@ambient-ts/workload-state';

export type Reporter = 'source' | 'destination';
/** Final state of a connection; opened and byte series always carry "-". */
export type ResponseFlag = '-' | 'DENY' | 'CONNECT';
export type SecurityPolicy = 'mutual_tls' | 'unknown';

/** Source facts that did not come from xDS: the mTLS identity and, inbound, the request baggage. */
export interface DerivedSource {
  /** The verified peer identity URI (never from xDS). */
  readonly identity?: string;
  readonly workloadName?: string;
  readonly app?: string;
  readonly revision?: string;
  readonly namespace?: string;
  readonly clusterId?: string;
  readonly region?: string;
  readonly zone?: string;
}

export interface ConnectionFacts {
  readonly reporter: Reporter;
  readonly source?: Workload;
  readonly derivedSource?: DerivedSource;
  readonly destination?: Workload;
  readonly destinationService?: Service;
  readonly securityPolicy: SecurityPolicy;
}

export const TRAFFIC_LABEL_NAMES = [
  'reporter',
  'source_workload',
  'source_canonical_service',
  'source_canonical_revision',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'destination_service',
  'destination_service_namespace',
  'destination_service_name',
  'destination_workload',
  'destination_canonical_service',
  'destination_canonical_revision',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_cluster',
  'request_protocol',
  'response_flags',
  'connection_security_policy',
  'source_region',
  'source_zone',
  'destination_region',
  'destination_zone',
] as const;

export type TrafficLabels = Record<(typeof TRAFFIC_LABEL_NAMES)[number], string>;

const u = (v: string | undefined): string => (v ? v : 'unknown');

/** Principal as Istio writes it in metrics: the SPIFFE URI. */
function principal(w: Workload): string {
  return `spiffe://${w.trustDomain}/ns/${w.namespace}/sa/${w.serviceAccount}`;
}

/**
 * Labels in upstream's order. Source facts: baggage/derived first, then the
 * xDS source workload overrides them, except the principal, which only ever
 * comes from the mTLS peer. Locality labels appear only when a workload (or
 * derived source) is known, as upstream omits the whole group otherwise.
 */
export function trafficLabels(
  f: ConnectionFacts,
  flag: ResponseFlag = '-',
): Partial<TrafficLabels> {
  const d = f.derivedSource;
  const s = f.source;
  const dst = f.destination;
  const svc = f.destinationService;
  const src = {
    workload: s ? s.workloadName : d?.workloadName,
    canonicalService: s ? s.canonicalName : d?.app,
    canonicalRevision: s ? s.canonicalRevision : d?.revision,
    namespace: s ? s.namespace : d?.namespace,
    app: s ? s.canonicalName : d?.workloadName,
    version: s ? s.canonicalRevision : d?.revision,
    cluster: s ? s.clusterId : d?.clusterId,
    region: s ? s.locality.region : d?.region,
    zone: s ? s.locality.zone : d?.zone,
  };
  const labels: Partial<TrafficLabels> = {
    reporter: f.reporter,
    source_workload: u(src.workload),
    source_canonical_service: u(src.canonicalService),
    source_canonical_revision: u(src.canonicalRevision),
    source_workload_namespace: u(src.namespace),
    source_principal: u(d?.identity),
    source_app: u(src.app),
    source_version: u(src.version),
    source_cluster: u(src.cluster),
    destination_service: u(svc?.hostname),
    destination_service_namespace: u(svc?.namespace),
    destination_service_name: u(svc?.name),
    destination_workload: u(dst?.workloadName),
    destination_canonical_service: u(dst?.canonicalName),
    destination_canonical_revision: u(dst?.canonicalRevision),
    destination_workload_namespace: u(dst?.namespace),
    destination_principal: dst ? principal(dst) : 'unknown',
    destination_app: u(dst?.canonicalName),
    destination_version: u(dst?.canonicalRevision),
    destination_cluster: u(dst?.clusterId),
    request_protocol: 'tcp',
    response_flags: flag,
    connection_security_policy: f.securityPolicy,
  };
  if (s || d || dst) {
    labels.source_region = u(src.region);
    labels.source_zone = u(src.zone);
    labels.destination_region = u(dst?.locality.region);
    labels.destination_zone = u(dst?.locality.zone);
  }
  return labels;
}
