// A waypoint Backend (service port + optional subset) → one endpoint to send
// the request to, through WDS: the service's healthy endpoints on our
// network, narrowed to the subset's workload uids when there is one, picked
// with the service's load-balancing rules. Pure.

import {
  pickEndpoint,
  serviceKey,
  workloadIdentityUri,
  type EndpointCandidate,
  type LocalityView,
  type ProxyState,
} from '@ambient-ts/workload-state';
import type { waypoint } from '@ambient-ts/xds-types';

export type BackendEndpoint =
  | {
      readonly kind: 'endpoint';
      readonly candidate: EndpointCandidate;
      /** Identities the endpoint's HBONE server may present: its SA, plus the service's extra SANs. */
      readonly identities: readonly string[];
      readonly serviceHostname: string;
    }
  | { readonly kind: 'unavailable'; readonly reason: string };

export function describeBackend(b: waypoint.Backend): string {
  return `${b.namespace}/${b.hostname}:${b.port}${b.subset ? ` (subset ${b.subset.name})` : ''}`;
}

export function backendEndpoint(
  state: ProxyState,
  backend: waypoint.Backend,
  self: LocalityView,
  family: 4 | 6,
  random: () => number,
): BackendEndpoint {
  const service = state.serviceByKey(serviceKey(backend));
  if (!service) {
    return {
      kind: 'unavailable',
      reason: `service ${backend.namespace}/${backend.hostname} is not in WDS`,
    };
  }
  const subset = backend.subset ? new Set(backend.subset.workloadUids) : undefined;
  const candidate = pickEndpoint(
    state,
    service,
    self,
    backend.port,
    family,
    random,
    subset ? (w) => subset.has(w.uid) : undefined,
  );
  if (!candidate) {
    return { kind: 'unavailable', reason: `no healthy endpoint for ${describeBackend(backend)}` };
  }
  return {
    kind: 'endpoint',
    candidate,
    identities: [workloadIdentityUri(candidate.workload), ...service.subjectAltNames],
    serviceHostname: service.hostname,
  };
}
