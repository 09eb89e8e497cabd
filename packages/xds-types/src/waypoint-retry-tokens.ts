// The retry_on tokens of ambient_ts.waypoint.v1.RetryPolicy (see its comment in
// waypoint.proto): istiod emits only these, and the waypoint NACKs any other,
// so compiler and executor read the one list.
export const WAYPOINT_RETRY_ON_TOKENS: ReadonlySet<string> = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'refused-stream',
  'retriable-status-codes',
  'retriable-4xx',
  // gRPC status names.
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);
