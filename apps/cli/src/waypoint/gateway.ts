// The Gateway that `istioctl waypoint generate|apply` produces, and its YAML
// exactly as upstream prints it.

import type { Gateway } from '../kube/objects.js';
import { goYaml } from '../text/go-yaml.js';
import {
  DEFAULT_WAYPOINT_NAME,
  GATEWAY_API_VERSION,
  LABEL_REV,
  LABEL_WAYPOINT_FOR,
  MESH_LISTENER,
  RESERVED_WAYPOINT_NAME,
  TRAFFIC_TYPES,
  WAYPOINT_GATEWAY_CLASS,
} from './constants.js';

export interface WaypointOptions {
  /** --name; empty means the default name. */
  readonly name: string;
  /** Empty for `generate` without -n: the YAML then carries no namespace. */
  readonly namespace: string;
  /** --for; empty leaves the label off so istiod applies its default. */
  readonly trafficType: string;
  /** --revision; empty leaves the label off. */
  readonly revision: string;
}

/** A waypoint request upstream refuses; the message is upstream's. */
export class WaypointSpecError extends Error {
  override readonly name = 'WaypointSpecError';
}

export function makeWaypointGateway(options: WaypointOptions): Gateway {
  const name = options.name === '' ? DEFAULT_WAYPOINT_NAME : options.name;
  if (name === RESERVED_WAYPOINT_NAME) {
    throw new WaypointSpecError("invalid name provided for waypoint, 'none' is a reserved value");
  }
  const labels: Record<string, string> = {};
  if (options.trafficType !== '') {
    if (!(TRAFFIC_TYPES as readonly string[]).includes(options.trafficType)) {
      throw new WaypointSpecError(
        `invalid traffic type: ${options.trafficType}. Valid options are: [${TRAFFIC_TYPES.join(' ')}]`,
      );
    }
    labels[LABEL_WAYPOINT_FOR] = options.trafficType;
  }
  if (options.revision !== '') labels[LABEL_REV] = options.revision;
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: {
      name,
      ...(options.namespace !== '' && { namespace: options.namespace }),
      ...(Object.keys(labels).length > 0 && { labels }),
    },
    spec: {
      gatewayClassName: WAYPOINT_GATEWAY_CLASS,
      listeners: [{ ...MESH_LISTENER }],
    },
  };
}

/** `istioctl waypoint generate` output. */
export function gatewayYaml(gateway: Gateway): string {
  return goYaml(gateway);
}
