// Choosing one endpoint of a service for a request (upstream ztunnel's
// load-balancing rules), shared by ztunnel's outbound path and the waypoint's
// backends. Pure: randomness is injected.

import { ipFamily, type IpAddr } from './ip.js';
import { serviceKey, type LbScope, type Service, type Workload } from './model.js';
import type { ProxyState } from './store.js';
import { targetPort } from './target-port.js';

function matches(scope: LbScope, a: LocalityView, b: LocalityView): boolean {
  switch (scope) {
    case 'REGION':
      return a.locality.region === b.locality.region;
    case 'ZONE':
      return a.locality.region === b.locality.region && a.locality.zone === b.locality.zone;
    case 'SUBZONE':
      return (
        a.locality.region === b.locality.region &&
        a.locality.zone === b.locality.zone &&
        a.locality.subzone === b.locality.subzone
      );
    case 'NODE':
      return a.node === b.node;
    case 'CLUSTER':
      return a.clusterId === b.clusterId;
    case 'NETWORK':
      return a.network === b.network;
  }
}

/** One endpoint chosen for a request: its workload, the address to use and the target port. */
export interface EndpointCandidate {
  readonly workload: Workload;
  readonly ip: IpAddr;
  readonly port: number;
}

/** What load balancing needs to know about the proxy choosing: where it is. */
export type LocalityView = Pick<Workload, 'network' | 'locality' | 'node' | 'clusterId'>;

/**
 * A healthy endpoint of `service` for service port `port`: only endpoints on
 * our network with an address and a target port qualify; STRICT keeps those
 * matching every routing preference, FAILOVER those matching the most leading
 * ones; the pick is random, weighted by capacity. `accept` narrows the
 * candidates further (a waypoint's DestinationRule subset).
 */
export function pickEndpoint(
  state: ProxyState,
  service: Service,
  source: LocalityView,
  port: number,
  family: 4 | 6,
  random: () => number,
  accept?: (w: Workload) => boolean,
): EndpointCandidate | undefined {
  const lb = service.loadBalancing;
  const onlyHealthy = lb?.healthPolicy !== 'ALLOW_ALL';
  let candidates: { c: EndpointCandidate; rank: number; weight: number }[] = [];
  for (const ep of state.endpoints(serviceKey(service))) {
    const w = ep.workload;
    if (onlyHealthy && w.status !== 'Healthy') continue;
    if (w.network !== source.network) continue;
    if (accept && !accept(w)) continue;
    const ip = w.addresses.find((a) => ipFamily(a) === family) ?? w.addresses[0];
    if (!ip) continue;
    const tp = targetPort(service, ep, port);
    if (tp === undefined) continue;
    let rank = 0;
    if (lb && lb.mode !== 'STANDARD') {
      for (const scope of lb.routingPreference) {
        if (!matches(scope, w, source)) break;
        rank++;
      }
    }
    candidates.push({ c: { workload: w, ip, port: tp }, rank, weight: Math.max(0, w.capacity) });
  }
  if (lb?.mode === 'STRICT') {
    candidates = candidates.filter((x) => x.rank === lb.routingPreference.length);
  } else if (lb && lb.mode !== 'STANDARD' && candidates.length > 0) {
    const best = Math.max(...candidates.map((x) => x.rank));
    candidates = candidates.filter((x) => x.rank === best);
  }
  const total = candidates.reduce((sum, x) => sum + x.weight, 0);
  if (candidates.length === 0) return undefined;
  if (total === 0) return candidates[Math.floor(random() * candidates.length)]?.c;
  let r = random() * total;
  for (const x of candidates) {
    r -= x.weight;
    if (r < 0) return x.c;
  }
  return candidates[candidates.length - 1]?.c;
}
