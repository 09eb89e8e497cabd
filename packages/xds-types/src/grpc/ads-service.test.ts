import { create, fromBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  DeltaDiscoveryRequestSchema,
  DeltaDiscoveryResponseSchema,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { aggregatedDiscoveryServiceDefinition } from './ads-service.js';

describe('AggregatedDiscoveryService definition', () => {
  it('uses the Envoy method paths and streaming flags', () => {
    const delta = aggregatedDiscoveryServiceDefinition.DeltaAggregatedResources;
    expect(delta.path).toBe(
      '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
    );
    expect([delta.requestStream, delta.responseStream]).toEqual([true, true]);
    expect(aggregatedDiscoveryServiceDefinition.StreamAggregatedResources.path).toBe(
      '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
    );
  });

  it('serialises with the generated schemas in both directions', () => {
    const delta = aggregatedDiscoveryServiceDefinition.DeltaAggregatedResources;
    const request = create(DeltaDiscoveryRequestSchema, { typeUrl: 't', responseNonce: 'n' });
    const bytes = delta.requestSerialize(request);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(fromBinary(DeltaDiscoveryRequestSchema, bytes)).toEqual(request);
    expect(delta.requestDeserialize(bytes)).toEqual(request);
    const response = create(DeltaDiscoveryResponseSchema, { nonce: 'n', removedResources: ['a'] });
    expect(delta.responseDeserialize(delta.responseSerialize(response))).toEqual(response);
  });
});
