// @ambient-ts/workload-state: the WDS resources a data-plane proxy receives
// (istio.workload.Address, istio.security.Authorization) as validated domain
// values in one store with the lookups routing and policy need.

export {
  parseIp,
  requireIp,
  ipFromBytes,
  ipFamily,
  socketAddr,
  networkAddressKey,
  isLoopback,
  InvalidAddressError,
  type IpAddr,
  type PodIp,
  type Vip,
  type NetworkAddress,
} from './ip.js';
export {
  serviceKey,
  workloadIdentityUri,
  type ApplicationTunnel,
  type Endpoint,
  type GatewayAddress,
  type HealthStatus,
  type LbMode,
  type LbScope,
  type LoadBalancing,
  type Locality,
  type NetworkMode,
  type PortMap,
  type Service,
  type ServiceVip,
  type TunnelProtocol,
  type Workload,
} from './model.js';
export { workloadFromProto, serviceFromProto, ResourceRejectedError } from './convert.js';
export {
  createStateStore,
  type FailClosedPolicy,
  type ProxyState,
  type StateUpdater,
  type StateChange,
} from './store.js';
export {
  applyAddressUpdate,
  applyAuthorizationUpdate,
  authorizationSubscription,
  XdsRejection,
  type AuthorizationApplied,
  type WireResource,
} from './resource-handlers.js';
export { targetPort } from './target-port.js';
export { pickEndpoint, type EndpointCandidate, type LocalityView } from './endpoint-pick.js';
