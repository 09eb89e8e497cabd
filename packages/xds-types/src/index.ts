// Public API of @ambient-ts/xds-types.
//
// Generated protobuf code is exported one namespace per proto package, because
// several packages define the same message names (istio.workload.Address vs
// istio.security.Address, istio.workload.Locality vs envoy.config.core.v3.Locality):
//
//   import { security, workload } from '@ambient-ts/xds-types';
//   import { create, toBinary } from '@bufbuild/protobuf';
//   const policy: security.Authorization = create(security.AuthorizationSchema, { ... });

export * as discovery from './gen/envoy/service/discovery/v3/discovery_pb.js';
export * as envoyCore from './gen/envoy/config/core/v3/base_pb.js';
export * as rpc from './gen/google/rpc/status_pb.js';
export * as workload from './gen/istio/workload/workload_pb.js';
export * as security from './gen/istio/security/authorization_pb.js';
export * as zds from './gen/istio/workload/zds/zds_pb.js';
export * as ca from './gen/istio/v1/auth/ca_pb.js';

export {
  TYPE_URL_PREFIX,
  ADDRESS_TYPE_URL,
  AUTHORIZATION_TYPE_URL,
  WAYPOINT_LISTENER_TYPE_URL,
  typeUrlFor,
} from './type-urls.js';
export { packAny, unpackAny } from './any.js';
export { AnyTypeMismatchError } from './errors.js';
