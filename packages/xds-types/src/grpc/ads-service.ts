import {
  Client,
  Metadata,
  type CallOptions,
  type ClientDuplexStream,
  type handleBidiStreamingCall,
} from '@grpc/grpc-js';
import {
  AggregatedDiscoveryService,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { grpcMethodDefinition } from './method-definition.js';

/**
 * grpc-js definition of envoy.service.discovery.v3.AggregatedDiscoveryService.
 * Keys are the proto method names, as @grpc/proto-loader names them, so a
 * server implementation object uses `DeltaAggregatedResources`.
 */
export const aggregatedDiscoveryServiceDefinition = {
  /** `/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources` (SotW; unused). */
  StreamAggregatedResources: grpcMethodDefinition(
    AggregatedDiscoveryService.method.streamAggregatedResources,
  ),
  /** `/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources`, bidi. */
  DeltaAggregatedResources: grpcMethodDefinition(
    AggregatedDiscoveryService.method.deltaAggregatedResources,
  ),
};

/** Server-side handlers for `server.addService(aggregatedDiscoveryServiceDefinition, …)`. */
// A type alias (not an interface) so it is assignable to grpc-js UntypedServiceImplementation.
export type AggregatedDiscoveryServiceHandlers = {
  StreamAggregatedResources: handleBidiStreamingCall<DiscoveryRequest, DiscoveryResponse>;
  DeltaAggregatedResources: handleBidiStreamingCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
};

/**
 * Typed grpc-js client for delta ADS. Construct it like any grpc-js client:
 * `new AggregatedDiscoveryServiceClient('127.0.0.1:15010', credentials.createInsecure())`.
 */
export class AggregatedDiscoveryServiceClient extends Client {
  /** Opens one DeltaAggregatedResources stream. */
  deltaAggregatedResources(
    metadata: Metadata = new Metadata(),
    options: CallOptions = {},
  ): ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
    const method = aggregatedDiscoveryServiceDefinition.DeltaAggregatedResources;
    return this.makeBidiStreamRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      metadata,
      options,
    );
  }
}
