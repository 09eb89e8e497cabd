// `istioctl waypoint delete`: by name (unknown names reported, not fatal),
// or every waypoint of the namespace (--all) or of a revision (--revision).

import { CommandError, multiErrorMessage } from '../cli/errors.js';
import type { Output } from '../cli/output.js';
import { isNotFound, type KubeClient } from '../kube/kube-client.js';
import { LABEL_REV } from './constants.js';
import * as msg from './messages.js';
import { messageOf } from './namespaces.js';
import { isWaypoint } from './tables.js';

export interface DeleteOptions {
  readonly namespace: string;
  /** Names to delete; undefined deletes all waypoints (of `revision`, when set). */
  readonly names: readonly string[] | undefined;
  readonly revision: string;
}

export async function deleteWaypoints(
  kube: KubeClient,
  out: Output,
  options: DeleteOptions,
): Promise<void> {
  const ns = options.namespace;
  const toDelete: string[] = [];
  if (options.names === undefined) {
    const selector = options.revision !== '' ? `${LABEL_REV}=${options.revision}` : undefined;
    const gateways = await list(kube, ns, selector);
    for (const gateway of gateways.filter(isWaypoint)) toDelete.push(gateway.metadata.name ?? '');
  } else {
    const waypoints = new Set(
      (await list(kube, ns, undefined)).filter(isWaypoint).map((g) => g.metadata.name),
    );
    for (const name of options.names) {
      if (waypoints.has(name)) toDelete.push(name);
      else out.out(msg.notFound(ns, name));
    }
  }

  // Upstream deletes concurrently; one after the other gives the same lines in a stable order.
  const failures: string[] = [];
  for (const name of toDelete) {
    try {
      await kube.deleteGateway(ns, name);
      out.out(msg.deleted(ns, name));
    } catch (error) {
      if (isNotFound(error)) out.out(msg.notFound(ns, name));
      else failures.push(messageOf(error));
    }
  }
  if (failures.length > 0) throw new CommandError(multiErrorMessage(failures));
}

async function list(kube: KubeClient, ns: string, labelSelector: string | undefined) {
  try {
    return await kube.listGateways(ns, labelSelector === undefined ? {} : { labelSelector });
  } catch (error) {
    throw new CommandError(messageOf(error));
  }
}
