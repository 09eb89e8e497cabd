// `istioctl waypoint apply`: server-side apply of the waypoint Gateway,
// optionally waiting for Programmed=True and enrolling the namespace, in
// upstream's order (namespace checks first, labels last).

import { CommandError } from '../cli/errors.js';
import type { Output } from '../cli/output.js';
import type { Clock } from '../context.js';
import { isNotFound, type KubeClient } from '../kube/kube-client.js';
import type { Gateway } from '../kube/objects.js';
import {
  DATAPLANE_MODE_AMBIENT,
  FIELD_MANAGER,
  LABEL_DATAPLANE_MODE,
  LABEL_USE_WAYPOINT,
} from './constants.js';
import { WaypointSpecError, makeWaypointGateway } from './gateway.js';
import * as msg from './messages.js';
import { getNamespace, labelOf, messageOf, setNamespaceLabel } from './namespaces.js';
import { isProgrammed } from './tables.js';

export interface ApplyOptions {
  readonly namespace: string;
  readonly name: string;
  readonly trafficType: string;
  readonly revision: string;
  readonly enrollNamespace: boolean;
  readonly overwrite: boolean;
  readonly wait: boolean;
  readonly timeoutMs: number;
}

const POLL_MS = 1000;

export async function applyWaypoint(
  kube: KubeClient,
  clock: Clock,
  out: Output,
  options: ApplyOptions,
): Promise<void> {
  const ns = options.namespace;
  const hasWaypoint = labelOf(await getNamespace(kube, ns), LABEL_USE_WAYPOINT) !== '';
  if (options.enrollNamespace) {
    if (!options.overwrite && hasWaypoint) {
      // Upstream warns and stops without an error: nothing was changed.
      out.out(msg.alreadyEnrolled(ns));
      return;
    }
    let namespace;
    try {
      namespace = await getNamespace(kube, ns);
    } catch (error) {
      throw new CommandError(msg.checkAmbientFailed(messageOf(error)));
    }
    // A warning, not an error: workloads may be enrolled one by one instead.
    if (labelOf(namespace, LABEL_DATAPLANE_MODE) !== DATAPLANE_MODE_AMBIENT)
      out.out(msg.notAmbient(ns));
  }

  const gateway = buildGateway(options);
  const name = gateway.metadata.name ?? '';
  try {
    await kube.applyGateway(gateway, FIELD_MANAGER);
  } catch (error) {
    if (isNotFound(error)) throw new CommandError(msg.missingGatewayCrds(messageOf(error)));
    throw new CommandError(messageOf(error));
  }
  out.out(msg.applied(ns, name));

  if (options.wait) {
    await waitProgrammed(kube, clock, ns, name, options.timeoutMs);
    out.out(msg.ready(ns, name));
  }

  if (options.enrollNamespace) {
    try {
      await setNamespaceLabel(kube, ns, LABEL_USE_WAYPOINT, name);
    } catch (error) {
      throw new CommandError(msg.labelNamespaceFailed(messageOf(error)));
    }
    out.out(msg.namespaceLabeled(ns, LABEL_USE_WAYPOINT, name));
  }
}

function buildGateway(options: ApplyOptions): Gateway {
  try {
    return makeWaypointGateway(options);
  } catch (error) {
    if (error instanceof WaypointSpecError)
      throw new CommandError(msg.createGatewayFailed(error.message));
    throw error;
  }
}

/** Upstream's ticker loop: first look after one second, give up once past the timeout. */
async function waitProgrammed(
  kube: KubeClient,
  clock: Clock,
  ns: string,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const start = clock.now();
  for (;;) {
    await clock.sleep(POLL_MS);
    let current: Gateway | undefined;
    let failure: string | undefined;
    try {
      current = await kube.getGateway(ns, name);
    } catch (error) {
      failure = messageOf(error);
    }
    if (current && isProgrammed(current)) return;
    if (clock.now() - start > timeoutMs) {
      throw new CommandError(
        msg.timedOut(
          'timed out while waiting for waypoint',
          current?.metadata.namespace ?? '',
          current?.metadata.name ?? '',
          failure,
        ),
      );
    }
  }
}
