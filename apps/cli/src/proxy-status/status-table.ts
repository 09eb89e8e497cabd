// upstream's proxy-status tables (istioctl/pkg/writer/pilot/status.go, 1.27+),
// as pure functions of the proxies' sync states: the default table with a
// SUBSCRIBED TYPES summary, and the verbose one with a column per xDS type.

import { WAYPOINT_TABLE, tabRows, tabwrite } from '../text/tabwriter.js';
import type { ProxySyncStatus } from './sync-status.js';

const PREFIX = 'type.googleapis.com/';
const CLUSTER = `${PREFIX}envoy.config.cluster.v3.Cluster`;
const LISTENER = `${PREFIX}envoy.config.listener.v3.Listener`;
const ENDPOINT = `${PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment`;
const ROUTE = `${PREFIX}envoy.config.route.v3.RouteConfiguration`;
const EXTENSION_CONFIG = `${PREFIX}envoy.config.core.v3.TypedExtensionConfig`;

/** upstream's GetShortType (pkg/model/xds.go). */
const SHORT_TYPES: ReadonlyMap<string, string> = new Map([
  [CLUSTER, 'CDS'],
  [LISTENER, 'LDS'],
  [ROUTE, 'RDS'],
  [ENDPOINT, 'EDS'],
  [`${PREFIX}envoy.extensions.transport_sockets.tls.v3.Secret`, 'SDS'],
  [`${PREFIX}istio.networking.nds.v1.NameTable`, 'NDS'],
  [`${PREFIX}istio.mesh.v1alpha1.ProxyConfig`, 'PCDS'],
  [EXTENSION_CONFIG, 'ECDS'],
  [`${PREFIX}istio.workload.Address`, 'WDS'],
  [`${PREFIX}istio.workload.Workload`, 'WDS'],
  [`${PREFIX}istio.security.Authorization`, 'WADS'],
]);

/** The default table lists these first, in this order (upstream keeps the pre-1.27 column order). */
const CORE_ORDER = [CLUSTER, LISTENER, ENDPOINT, ROUTE];

/** The verbose table always shows these, whether or not any proxy asked for them. */
const KNOWN_TYPES = [CLUSTER, LISTENER, ENDPOINT, ROUTE, EXTENSION_CONFIG];

const IGNORED = 'IGNORED';

export interface StatusTableOptions {
  /** upstream's -v/--verbosity > 0. */
  readonly verbose: boolean;
  /** -n: only proxies of this namespace ("" for all). */
  readonly namespace: string;
}

/** The text upstream's tabwriter prints. */
export function renderStatusTable(
  statuses: readonly ProxySyncStatus[],
  options: StatusTableOptions,
): string {
  const proxies = statuses
    .filter((s) => options.namespace === '' || s.namespace === options.namespace)
    .sort(byName);
  const shortNames = shortNamesOf(proxies);
  const rows = options.verbose
    ? verboseRows(proxies, shortNames)
    : summaryRows(proxies, shortNames);
  return tabwrite(tabRows(rows), WAYPOINT_TABLE);
}

function summaryRows(
  proxies: readonly ProxySyncStatus[],
  shortName: (url: string) => string,
): string[][] {
  const types = orderedTypes(proxies);
  return [
    ['NAME', 'CLUSTER', 'ISTIOD', 'VERSION', 'SUBSCRIBED TYPES'],
    ...proxies.map((p) => {
      // Every status a proxy has is one it subscribed to; IGNORED is only the verbose filler.
      const subscribed = types.filter((t) => p.types.has(t)).map(shortName);
      const summary =
        subscribed.length === 0 ? '0' : `${subscribed.length} (${subscribed.join(',')})`;
      return [p.name, p.clusterId, p.istiod, p.istioVersion, summary];
    }),
  ];
}

function verboseRows(
  proxies: readonly ProxySyncStatus[],
  shortName: (url: string) => string,
): string[][] {
  // Unlike the default table, upstream sorts every type by URL here, core ones included.
  const types = [...new Set([...allTypes(proxies), ...KNOWN_TYPES])].sort(compareStrings);
  return [
    ['NAME', 'CLUSTER', ...types.map(shortName), 'ISTIOD', 'VERSION'],
    ...proxies.map((p) => [
      p.name,
      p.clusterId,
      ...types.map((t) => p.types.get(t) ?? IGNORED),
      p.istiod,
      p.istioVersion,
    ]),
  ];
}

/** The core types that appear, in the legacy order, then every other type by URL. */
function orderedTypes(proxies: readonly ProxySyncStatus[]): string[] {
  const seen = allTypes(proxies);
  const core = CORE_ORDER.filter((t) => seen.has(t));
  const extras = [...seen].filter((t) => !CORE_ORDER.includes(t)).sort(compareStrings);
  return [...core, ...extras];
}

function allTypes(proxies: readonly ProxySyncStatus[]): Set<string> {
  return new Set(proxies.flatMap((p) => [...p.types.keys()]));
}

/**
 * upstream's short names, else the name our istiod gives a type of its own
 * (the waypoint's), else the URL itself as upstream prints unknown types.
 */
function shortNamesOf(proxies: readonly ProxySyncStatus[]): (url: string) => string {
  const fromIstiod = new Map<string, string>();
  for (const p of proxies) for (const [url, name] of p.shortNames) fromIstiod.set(url, name);
  return (url) => SHORT_TYPES.get(url) ?? fromIstiod.get(url) ?? url;
}

// Go compares strings bytewise; the ids and URLs are ASCII, where code units agree.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName(a: ProxySyncStatus, b: ProxySyncStatus): number {
  return compareStrings(a.name, b.name) || compareStrings(a.istiod, b.istiod);
}
