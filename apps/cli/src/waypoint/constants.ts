// Names upstream istioctl uses for waypoints (istio.io/api labels,
// pkg/config/constants).

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';
export const WAYPOINT_GATEWAY_CLASS = 'istio-waypoint';
export const DEFAULT_WAYPOINT_NAME = 'waypoint';
/** Reserved: `istio.io/use-waypoint: none` opts a workload out of its namespace's waypoint. */
export const RESERVED_WAYPOINT_NAME = 'none';
export const MESH_LISTENER = { name: 'mesh', port: 15008, protocol: 'HBONE' } as const;

export const LABEL_WAYPOINT_FOR = 'istio.io/waypoint-for';
export const LABEL_REV = 'istio.io/rev';
export const LABEL_USE_WAYPOINT = 'istio.io/use-waypoint';
export const LABEL_DATAPLANE_MODE = 'istio.io/dataplane-mode';
export const DATAPLANE_MODE_AMBIENT = 'ambient';

/** Valid `--for` values, sorted as upstream prints them. */
export const TRAFFIC_TYPES = ['all', 'none', 'service', 'workload'] as const;

export const FIELD_MANAGER = 'istioctl';
export const CONDITION_PROGRAMMED = 'Programmed';
