// What ztunnel's DNS proxy answers from the service registry (upstream
// src/dns): Kubernetes short names are expanded with the client's namespace,
// a service in the client's namespace wins over others (then `canonical`),
// NAMESPACE-visibility services are hidden from other namespaces, headless
// Kubernetes services answer with their endpoints, and everything else is
// forwarded. Answers hold only addresses of the asked family on the client's
// network, shuffled, with a 30 s TTL. Pure (randomness injected).

import {
  ipFamily,
  type IpAddr,
  serviceKey,
  type Service,
  type Workload,
  type ProxyState,
} from '@ambient-ts/workload-state';

export const DNS_TTL_SECONDS = 30;

export type DnsDecision =
  | { readonly kind: 'answer'; readonly name: string; readonly addresses: readonly IpAddr[] }
  | { readonly kind: 'forward' };

/** The FQDNs a query name may stand for, most specific first. */
export function candidateNames(name: string, clientNamespace: string, domain: string): string[] {
  const n = name.toLowerCase().replace(/\.$/, '');
  const parts = n.split('.');
  const out = [n];
  if (n.endsWith(`.${domain}`)) return out;
  if (parts.length === 1) out.push(`${n}.${clientNamespace}.svc.${domain}`);
  else if (parts.length === 2) out.push(`${n}.svc.${domain}`);
  else if (parts.length === 3 && parts[2] === 'svc') out.push(`${n}.${domain}`);
  return out;
}

function pick(services: readonly Service[], client: Workload): Service | undefined {
  const visible = services.filter(
    (s) => s.visibility === 'PUBLIC' || s.namespace === client.namespace,
  );
  return (
    visible.find((s) => s.namespace === client.namespace) ??
    visible.find((s) => s.canonical) ??
    visible[0]
  );
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

export function answerQuery(
  state: ProxyState,
  client: Workload,
  q: { readonly name: string; readonly type: 'A' | 'AAAA' },
  domain: string,
  random: () => number,
): DnsDecision {
  const family = q.type === 'A' ? 4 : 6;
  for (const name of candidateNames(q.name, client.namespace, domain)) {
    const svc = pick(state.servicesByHostname(name), client);
    if (!svc) continue;
    let addresses: IpAddr[] = svc.vips
      .filter((v) => v.network === client.network)
      .map((v) => v.address);
    if (addresses.length === 0) {
      // Headless: a Kubernetes service answers with its endpoints; anything else goes upstream.
      if (!svc.hostname.endsWith(`.svc.${domain}`)) return { kind: 'forward' };
      addresses = state
        .endpoints(serviceKey(svc))
        .filter((e) => e.workload.network === client.network)
        .flatMap((e) => e.workload.addresses);
    }
    if (svc.ipFamilies === 'IPV4_ONLY' && family === 6) addresses = [];
    if (svc.ipFamilies === 'IPV6_ONLY' && family === 4) addresses = [];
    return {
      kind: 'answer',
      name: q.name,
      addresses: shuffle(
        addresses.filter((a) => ipFamily(a) === family),
        random,
      ),
    };
  }
  return { kind: 'forward' };
}
