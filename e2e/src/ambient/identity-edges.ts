// Which ztunnel access-log lines belong to a call between two bookinfo apps,
// and whether they carry exactly the identities that app pair must have. A
// line belongs to an edge by addresses taken from the API (source pod IP;
// destination pod IP as next hop or CONNECT authority), never by the
// identities under test. Outbound lines must come from the ztunnel on the
// source pod's node, inbound lines from the one on the destination's. Pure.
import { hostOf, type ConnectionLine } from './access-log.js';

export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly fromServiceAccount: string;
  readonly toServiceAccount: string;
}

function bookinfoEdge(from: string, to: string): Edge {
  return { from, to, fromServiceAccount: `bookinfo-${from}`, toServiceAccount: `bookinfo-${to}` };
}

/** The calls bookinfo makes (reference/istiod.md §8.2); ratings only from reviews v2/v3. */
export const BOOKINFO_EDGES: readonly Edge[] = [
  bookinfoEdge('productpage', 'details'),
  bookinfoEdge('productpage', 'reviews'),
  bookinfoEdge('reviews', 'ratings'),
];

export const DEFAULT_TRUST_DOMAIN = 'cluster.local';

export function spiffeId(
  namespace: string,
  serviceAccount: string,
  trustDomain = DEFAULT_TRUST_DOMAIN,
): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** A pod as the API shows it. */
export interface PodFacts {
  readonly name: string;
  readonly app: string;
  readonly ips: readonly string[];
  readonly node: string;
}

/** An access-log line and the ztunnel that wrote it. */
export interface ZtunnelLine extends ConnectionLine {
  readonly ztunnelPod: string;
  readonly ztunnelNode: string;
}

export interface EdgeReport {
  readonly edge: Edge;
  readonly expectedSrc: string;
  readonly expectedDst: string;
  readonly outbound: readonly ZtunnelLine[];
  readonly inbound: readonly ZtunnelLine[];
  /** Empty when the edge is proven: lines on both sides, all with exactly the expected identities. */
  readonly problems: readonly string[];
}

function ipsOf(pods: readonly PodFacts[], app: string): Map<string, PodFacts> {
  const m = new Map<string, PodFacts>();
  for (const p of pods) if (p.app === app) for (const ip of p.ips) m.set(ip, p);
  return m;
}

export function linesOfEdge(
  edge: Edge,
  pods: readonly PodFacts[],
  lines: readonly ZtunnelLine[],
): ZtunnelLine[] {
  const src = ipsOf(pods, edge.from);
  const dst = ipsOf(pods, edge.to);
  return lines.filter(
    (l) =>
      src.has(hostOf(l.srcAddr)) &&
      (dst.has(hostOf(l.dstAddr)) || (l.hboneAddr !== undefined && dst.has(hostOf(l.hboneAddr)))),
  );
}

export function checkEdge(
  edge: Edge,
  namespace: string,
  pods: readonly PodFacts[],
  lines: readonly ZtunnelLine[],
  trustDomain = DEFAULT_TRUST_DOMAIN,
): EdgeReport {
  const expectedSrc = spiffeId(namespace, edge.fromServiceAccount, trustDomain);
  const expectedDst = spiffeId(namespace, edge.toServiceAccount, trustDomain);
  const mine = linesOfEdge(edge, pods, lines);
  const outbound = mine.filter((l) => l.direction === 'outbound');
  const inbound = mine.filter((l) => l.direction === 'inbound');
  const name = `${edge.from}→${edge.to}`;
  const problems: string[] = [];
  if (outbound.length === 0)
    problems.push(`${name}: no outbound "connection complete" line in any ztunnel log`);
  if (inbound.length === 0)
    problems.push(`${name}: no inbound "connection complete" line in any ztunnel log`);
  const nodeOf = (ip: string, app: string): string | undefined => ipsOf(pods, app).get(ip)?.node;
  for (const l of mine) {
    const where = `${name} ${l.direction} (ztunnel ${l.ztunnelPod})`;
    if (l.error !== undefined) problems.push(`${where}: failed: ${l.error}`);
    if (l.srcIdentity !== expectedSrc)
      problems.push(`${where}: src.identity ${l.srcIdentity ?? '(none)'}, expected ${expectedSrc}`);
    if (l.dstIdentity !== expectedDst)
      problems.push(`${where}: dst.identity ${l.dstIdentity ?? '(none)'}, expected ${expectedDst}`);
    const node =
      l.direction === 'outbound'
        ? nodeOf(hostOf(l.srcAddr), edge.from)
        : (nodeOf(hostOf(l.dstAddr), edge.to) ??
          (l.hboneAddr ? nodeOf(hostOf(l.hboneAddr), edge.to) : undefined));
    if (node !== undefined && node !== l.ztunnelNode) {
      problems.push(
        `${where}: logged on ${l.ztunnelNode}, but the ${l.direction === 'outbound' ? 'source' : 'destination'} pod runs on ${node}`,
      );
    }
  }
  return { edge, expectedSrc, expectedDst, outbound, inbound, problems };
}
