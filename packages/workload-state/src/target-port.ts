// Which port of an endpoint a service port reaches. The endpoint's own entry
// wins (it carries named ports resolved for that pod); the service's map is
// the fallback; 0 means "named, unresolved", so neither may use it.

import type { Endpoint, Service } from './model.js';

/** The target port of `endpoint` for service port `port`; undefined when it has none. */
export function targetPort(service: Service, endpoint: Endpoint, port: number): number | undefined {
  const own = endpoint.ports.get(port);
  if (own !== undefined && own !== 0) return own;
  const svc = service.ports.get(port);
  if (svc !== undefined && svc !== 0) return svc;
  return undefined;
}
