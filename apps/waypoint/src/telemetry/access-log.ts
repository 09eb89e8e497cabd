// The fields of the waypoint's `request complete` access-log line: ztunnel's
// `src.*` / `dst.*` naming for who talked to whom (so one log query covers
// both proxies), then the request, the route, Envoy's response code and flags,
// and what policy evaluation noted. Pure.

import type { RequestRecord } from '../http/request-handler.js';

export function accessLogFields(r: RequestRecord): Record<string, unknown> {
  return {
    'src.addr': r.source?.addresses[0],
    'src.workload': r.source?.name,
    'src.namespace': r.source?.namespace,
    'src.identity': r.peerIdentity,
    'dst.service': r.service.hostname,
    'dst.workload': r.destination?.name,
    'dst.namespace': r.destination?.namespace,
    'dst.identity': r.destinationIdentity,
    'dst.addr': r.upstream,
    method: r.method,
    path: r.path,
    authority: r.authority,
    protocol: r.protocol,
    route: r.route,
    response_code: r.responseCode,
    response_flags: r.responseFlags,
    ...(r.grpcStatus !== undefined ? { grpc_status: r.grpcStatus } : {}),
    attempts: r.attempts,
    duration: `${Math.round(r.durationMs)}ms`,
    ...(r.detail ? { detail: r.detail } : {}),
    ...(r.audited.length > 0 ? { audited: r.audited } : {}),
    ...(r.dryRun ? { dry_run: r.dryRun } : {}),
  };
}
