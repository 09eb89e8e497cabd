import type { Node } from '../gen/envoy/config/core/v3/base_pb.js';
import type { StoredResource } from './resource-store.js';
import type { Subscription } from './subscription.js';

/** Whether one resource is sent to one client. */
export type ResourcePredicate = (resource: StoredResource) => boolean;

/**
 * Decides which resources of a type a connection receives, given the proxy's
 * Node and its current subscription. Called again whenever the subscription
 * changes (and on DeltaAdsServer.refresh); the returned predicate is then
 * applied to every candidate resource. istiod uses it for "named subscriptions
 * get what they name plus the node's own workloads".
 */
export type ResourceFilter = (
  node: Node,
  typeUrl: string,
  subscription: Subscription,
) => ResourcePredicate;

/** The xDS default: wildcard gets everything; otherwise the names (or aliases) subscribed. */
export const subscribedResources: ResourceFilter = (_node, _typeUrl, subscription) => (resource) =>
  subscription.wildcard ||
  subscription.names.has(resource.name) ||
  resource.aliases.some((alias) => subscription.names.has(alias));
