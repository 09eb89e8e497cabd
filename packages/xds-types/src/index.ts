// Public API of @ambient-ts/xds-types.
//
// Generated protobuf code is exported as one namespace per proto package,
// because several packages define the same names (istio.workload.Address vs
// istio.security.Address, istio.workload.Locality vs envoy.config.core.v3.Locality,
// istio.security.StringMatch vs ambient_ts.waypoint.v1.StringMatch):
//
//   import { security, workload } from '@ambient-ts/xds-types';
//   import { create, toBinary } from '@bufbuild/protobuf';
//   const policy: security.Authorization = create(security.AuthorizationSchema, { name: 'p' });
//
// | namespace  | proto package                |
// |------------|------------------------------|
// | discovery  | envoy.service.discovery.v3   |
// | envoyCore  | envoy.config.core.v3         |
// | rpc        | google.rpc                   |
// | workload   | istio.workload               |
// | security   | istio.security               |
// | zds        | istio.workload.zds           |
// | ca         | istio.v1.auth                |
// | waypoint   | ambient_ts.waypoint.v1       |

export * as discovery from './gen/envoy/service/discovery/v3/discovery_pb.js';
export * as envoyCore from './gen/envoy/config/core/v3/base_pb.js';
export * as rpc from './gen/google/rpc/status_pb.js';
export * as workload from './gen/istio/workload/workload_pb.js';
export * as security from './gen/istio/security/authorization_pb.js';
export * as zds from './gen/istio/workload/zds/zds_pb.js';
export * as ca from './gen/istio/v1/auth/ca_pb.js';
export * as waypoint from './gen/ambient_ts/waypoint/v1/waypoint_pb.js';

export {
  TYPE_URL_PREFIX,
  ADDRESS_TYPE_URL,
  AUTHORIZATION_TYPE_URL,
  WAYPOINT_LISTENER_TYPE_URL,
  SERVED_TYPE_URLS,
  typeUrlFor,
} from './type-urls.js';
export { waypointListenerName, type WaypointListenerKey } from './waypoint-names.js';
export { WAYPOINT_RETRY_ON_TOKENS } from './waypoint-retry-tokens.js';
export { packAny, unpackAny } from './any.js';
export { ISTIO_COMPATIBILITY_VERSION } from './istio-version.js';
export {
  AnyTypeMismatchError,
  ResourceTypeMismatchError,
  XdsClientClosedError,
  XdsProtocolError,
  UnknownTypeUrlError,
  XdsUnknownTypeError,
  XdsLimitExceededError,
  XdsConfigError,
  type XdsLimitName,
} from './errors.js';

export { grpcMethodDefinition, type ProtoMethod } from './grpc/method-definition.js';
export {
  aggregatedDiscoveryServiceDefinition,
  AggregatedDiscoveryServiceClient,
  type AggregatedDiscoveryServiceHandlers,
} from './grpc/ads-service.js';
export {
  istioCertificateServiceDefinition,
  IstioCertificateServiceClient,
  type IstioCertificateServiceHandlers,
} from './grpc/ca-service.js';

// Delta-ADS runtime (server: istiod; client: ztunnel, waypoint).
export {
  ResourceStore,
  type ResourceSource,
  type StoredResource,
  type ResourceChange,
  type ResourceInput,
} from './ads/resource-store.js';
export { resourceVersion } from './ads/resource-version.js';
export {
  subscribedResources,
  type ResourceFilter,
  type ResourcePredicate,
} from './ads/resource-filter.js';
export { WILDCARD, type Subscription } from './ads/subscription.js';
export {
  DeltaAdsServer,
  DEFAULT_DEBOUNCE_MS,
  type DeltaAdsServerOptions,
} from './ads/delta-ads-server.js';
export {
  DEFAULT_XDS_SERVER_LIMITS,
  resolveXdsServerLimits,
  type XdsServerLimits,
} from './ads/server-limits.js';
export type { StreamPeer } from './ads/server-peer.js';
export type {
  XdsServerEvent,
  XdsConnectionSnapshot,
  XdsTypeSnapshot,
} from './ads/server-events.js';
export {
  DeltaAdsClient,
  type DeltaAdsClientOptions,
  type AdsStream,
} from './ads/delta-ads-client.js';
export type {
  XdsClientEvent,
  XdsClientSnapshot,
  XdsClientTypeSnapshot,
} from './ads/client-events.js';
export {
  typeSubscription,
  type TypeSubscription,
  type TypeSubscriptionOptions,
  type ResourceUpdate,
  type DecodedResource,
} from './ads/type-subscription.js';
export { DEFAULT_BACKOFF, type BackoffPolicy } from './ads/backoff.js';
export type { XdsLogger } from './ads/logger.js';
export { systemTimers, type Timers, type ScheduledTimer } from './ads/timers.js';
