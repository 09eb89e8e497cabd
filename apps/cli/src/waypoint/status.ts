// `istioctl waypoint status`: one row per look at each waypoint, looking
// again every second until it is Programmed (with --wait, the default) or the
// shared timeout passes. Like upstream, the table is printed only at the end,
// so a timeout prints the error alone.

import { CommandError } from '../cli/errors.js';
import type { Output } from '../cli/output.js';
import type { Clock } from '../context.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { Condition, Gateway } from '../kube/objects.js';
import * as msg from './messages.js';
import { messageOf } from './namespaces.js';
import {
  EMPTY_CONDITION,
  NO_WAYPOINTS,
  isProgrammed,
  isWaypoint,
  renderStatusTable,
  shownCondition,
  sortGateways,
  statusHeader,
  statusRow,
} from './tables.js';

export interface StatusOptions {
  /** undefined: all namespaces. */
  readonly namespace: string | undefined;
  readonly wait: boolean;
  readonly timeoutMs: number;
}

const POLL_MS = 1000;

export async function waypointStatus(
  kube: KubeClient,
  clock: Clock,
  out: Output,
  options: StatusOptions,
): Promise<void> {
  let gateways: Gateway[];
  try {
    gateways = await kube.listGateways(options.namespace);
  } catch (error) {
    throw new CommandError(messageOf(error));
  }
  if (gateways.length === 0) {
    out.out(NO_WAYPOINTS);
    return;
  }
  const allNamespaces = options.namespace === undefined;
  const rows: string[][] = [statusHeader(allNamespaces)];
  const start = clock.now();
  let condition: Condition = EMPTY_CONDITION;
  for (const gateway of sortGateways(gateways).filter(isWaypoint)) {
    for (;;) {
      await clock.sleep(POLL_MS);
      let current: Gateway | undefined;
      let failure: string | undefined;
      try {
        current = await kube.getGateway(
          gateway.metadata.namespace ?? '',
          gateway.metadata.name ?? '',
        );
      } catch (error) {
        failure = messageOf(error);
      }
      condition = shownCondition(current, condition);
      rows.push(statusRow(current, condition, allNamespaces));
      if (!options.wait || (current !== undefined && isProgrammed(current))) break;
      if (clock.now() - start > options.timeoutMs) {
        throw new CommandError(
          msg.printStatusFailed(
            msg.timedOut(
              'timed out while retrieving status for waypoint',
              current?.metadata.namespace ?? '',
              current?.metadata.name ?? '',
              failure,
            ),
          ),
        );
      }
    }
  }
  out.out(renderStatusTable(rows));
}
