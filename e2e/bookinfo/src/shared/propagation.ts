// Which incoming headers each service copies onto its outbound calls. Mesh tracing ties
// spans together only if apps pass these on, and waypoint routing on `end-user` (the
// "jason" routes) only works if productpage sets it and reviews passes it to ratings.
import type { IncomingHttpHeaders } from 'node:http';

const TRACING = [
  'x-request-id',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'traceparent',
  'tracestate',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'sw8',
] as const;

const CONTEXT = ['user-agent', 'cookie', 'authorization', 'jwt'] as const;

/** productpage does not pass an incoming `end-user` on; it sets its own from the session. */
export const PRODUCTPAGE_FORWARDED: readonly string[] = [...TRACING, ...CONTEXT];

/** details, reviews (and ratings, which calls nobody). */
export const BACKEND_FORWARDED: readonly string[] = [...TRACING, 'end-user', ...CONTEXT];

export function forwardedHeaders(
  incoming: IncomingHttpHeaders,
  names: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = incoming[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
