// What `waypoint list` and `waypoint status` print, from Gateways already
// fetched: the ordering, the class filter, the columns and their defaults.

import type { Condition, Gateway } from '../kube/objects.js';
import { WAYPOINT_TABLE, tabRows, tabwrite } from '../text/tabwriter.js';
import {
  CONDITION_PROGRAMMED,
  LABEL_REV,
  LABEL_WAYPOINT_FOR,
  WAYPOINT_GATEWAY_CLASS,
} from './constants.js';

export const NO_WAYPOINTS = 'No waypoints found.\n';

/** Namespace, then name, as Go's cmp.Compare on strings (byte order). */
export function sortGateways(gateways: readonly Gateway[]): Gateway[] {
  const key = (g: Gateway): [string, string] => [g.metadata.namespace ?? '', g.metadata.name ?? ''];
  return [...gateways].sort((a, b) => {
    const [an, aname] = key(a);
    const [bn, bname] = key(b);
    return compare(an, bn) || compare(aname, bname);
  });
}

export function isWaypoint(gateway: Gateway): boolean {
  return gateway.spec.gatewayClassName === WAYPOINT_GATEWAY_CLASS;
}

/**
 * `waypoint list`. "No waypoints found." is decided before the class filter,
 * so a namespace holding only other Gateways prints a bare header, as upstream.
 */
export function renderWaypointList(gateways: readonly Gateway[], allNamespaces: boolean): string {
  if (gateways.length === 0) return NO_WAYPOINTS;
  const rows: string[][] = [
    allNamespaces
      ? ['NAMESPACE', 'NAME', 'REVISION', 'TRAFFIC TYPE', 'PROGRAMMED']
      : ['NAME', 'REVISION', 'TRAFFIC TYPE', 'PROGRAMMED'],
  ];
  for (const gateway of sortGateways(gateways).filter(isWaypoint)) {
    const labels = gateway.metadata.labels ?? {};
    const revision = labels[LABEL_REV] || 'default';
    const traffic = labels[LABEL_WAYPOINT_FOR] || 'none';
    let programmed = 'False';
    // The last Programmed condition wins, whatever its status.
    for (const condition of gateway.status?.conditions ?? []) {
      if (condition.type === CONDITION_PROGRAMMED) programmed = condition.status;
    }
    const name = gateway.metadata.name ?? '';
    rows.push(
      allNamespaces
        ? [gateway.metadata.namespace ?? '', name, revision, traffic, programmed]
        : [name, revision, traffic, programmed],
    );
  }
  return tabwrite(tabRows(rows), WAYPOINT_TABLE);
}

export function isProgrammed(gateway: Gateway): boolean {
  return (gateway.status?.conditions ?? []).some(
    (c) => c.type === CONDITION_PROGRAMMED && c.status === 'True',
  );
}

export const EMPTY_CONDITION: Condition = { type: '', status: '', reason: '', message: '' };

/**
 * The condition a status row shows. Upstream walks the conditions with a
 * variable that outlives the loop: it stops at Programmed=True, otherwise it
 * holds the last condition, and a Gateway without conditions shows whatever
 * the previous row showed.
 */
export function shownCondition(gateway: Gateway | undefined, previous: Condition): Condition {
  let shown = previous;
  for (const condition of gateway?.status?.conditions ?? []) {
    shown = condition;
    if (condition.type === CONDITION_PROGRAMMED && condition.status === 'True') break;
  }
  return shown;
}

export function statusHeader(allNamespaces: boolean): string[] {
  return allNamespaces
    ? ['NAMESPACE', 'NAME', 'STATUS', 'TYPE', 'REASON', 'MESSAGE']
    : ['NAME', 'STATUS', 'TYPE', 'REASON', 'MESSAGE'];
}

/** A failed read shows an empty namespace and name, as upstream's zero Gateway. */
export function statusRow(
  gateway: Gateway | undefined,
  condition: Condition,
  allNamespaces: boolean,
): string[] {
  const cells = [condition.status, condition.type, condition.reason ?? '', condition.message ?? ''];
  const name = gateway?.metadata.name ?? '';
  return allNamespaces ? [gateway?.metadata.namespace ?? '', name, ...cells] : [name, ...cells];
}

export function renderStatusTable(rows: readonly (readonly string[])[]): string {
  return tabwrite(tabRows(rows), WAYPOINT_TABLE);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
