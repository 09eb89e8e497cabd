import { create } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { NodeSchema } from '../gen/envoy/config/core/v3/base_pb.js';
import {
  DeltaDiscoveryRequestSchema,
  type DeltaDiscoveryRequest,
} from '../gen/envoy/service/discovery/v3/discovery_pb.js';
import { WILDCARD } from './subscription.js';

/** gRPC INVALID_ARGUMENT, the code our NACKs carry. */
export const NACK_STATUS_CODE = 3;

export interface ClientTypeView {
  readonly typeUrl: string;
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
  readonly known: ReadonlyMap<string, string>;
}

/**
 * The first request of a type on a (re)connected stream: the node, the whole
 * subscription and every version the client holds. A plain wildcard is an
 * empty subscribe list (what ztunnel sends); a wildcard with names lists `*`
 * explicitly; "nothing yet" is ztunnel's on-demand opener, `*` subscribed and
 * unsubscribed.
 */
export function initialRequest(
  type: ClientTypeView,
  node: MessageInitShape<typeof NodeSchema>,
): DeltaDiscoveryRequest {
  const names = [...type.names];
  let subscribe: string[];
  let unsubscribe: string[] = [];
  if (type.wildcard) {
    subscribe = names.length === 0 ? [] : [WILDCARD, ...names];
  } else if (names.length > 0) {
    subscribe = names;
  } else {
    subscribe = [WILDCARD];
    unsubscribe = [WILDCARD];
  }
  return create(DeltaDiscoveryRequestSchema, {
    node,
    typeUrl: type.typeUrl,
    resourceNamesSubscribe: subscribe,
    resourceNamesUnsubscribe: unsubscribe,
    initialResourceVersions: Object.fromEntries(type.known),
  });
}

/** ACK: type URL and nonce only. */
export function ackRequest(typeUrl: string, nonce: string): DeltaDiscoveryRequest {
  return create(DeltaDiscoveryRequestSchema, { typeUrl, responseNonce: nonce });
}

/** NACK: the nonce plus error_detail with the reason. */
export function nackRequest(typeUrl: string, nonce: string, reason: string): DeltaDiscoveryRequest {
  return create(DeltaDiscoveryRequestSchema, {
    typeUrl,
    responseNonce: nonce,
    errorDetail: { code: NACK_STATUS_CODE, message: reason },
  });
}

/** A spontaneous subscription change (no nonce). */
export function subscriptionRequest(
  typeUrl: string,
  subscribe: readonly string[],
  unsubscribe: readonly string[],
): DeltaDiscoveryRequest {
  return create(DeltaDiscoveryRequestSchema, {
    typeUrl,
    resourceNamesSubscribe: [...subscribe],
    resourceNamesUnsubscribe: [...unsubscribe],
  });
}
