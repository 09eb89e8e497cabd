// Which resources each proxy gets (pilot/pkg/xds/workload.go upstream):
// a wildcard subscription gets every Address and Authorization; a named
// (on-demand) subscription gets what it names (by name or alias), the members
// of services it names, and — always — the workloads on its own node.
// Waypoint L7 listeners go only to the waypoint they belong to.

import type { envoyCore, ResourceFilter, StoredResource } from '@ambient-ts/xds-types';
import {
  ADDRESS_TYPE_URL,
  WAYPOINT_LISTENER_TYPE_URL,
  subscribedResources,
} from '@ambient-ts/xds-types';

export interface ProxyFilterView {
  /** node of a published workload. */
  workloadNode(name: string): string | undefined;
  /** `ns/hostname` keys of a published workload's services map. */
  workloadServices(name: string): readonly string[];
  /** The published Address resource a name or alias refers to. */
  addressName(nameOrAlias: string): string | undefined;
  /** The waypoint (`ns/name`) a listener resource belongs to. */
  listenerWaypoint(name: string): string | undefined;
  /** The waypoint (`ns/name` of its Gateway) a proxy is an instance of, if any. */
  waypointOf(node: envoyCore.Node): string | undefined;
}

function metadataString(node: envoyCore.Node, key: string): string | undefined {
  const v = node.metadata?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** NODE_NAME from the proxy's metadata (ztunnel sends it). */
export function proxyNodeName(node: envoyCore.Node): string | undefined {
  return metadataString(node, 'NODE_NAME');
}

/** `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>` → pod and namespace. */
export function proxyPod(node: envoyCore.Node): { name: string; namespace: string } | undefined {
  const parts = node.id.split('~');
  const podPart = parts[2];
  if (parts.length < 4 || !podPart) {
    const name = metadataString(node, 'NAME');
    const namespace = metadataString(node, 'NAMESPACE');
    return name && namespace ? { name, namespace } : undefined;
  }
  const dot = podPart.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return { name: podPart.slice(0, dot), namespace: podPart.slice(dot + 1) };
}

export function proxyFilter(view: ProxyFilterView): ResourceFilter {
  return (node, typeUrl, subscription) => {
    const named = subscribedResources(node, typeUrl, subscription);
    if (typeUrl === WAYPOINT_LISTENER_TYPE_URL) {
      const mine = view.waypointOf(node);
      return (r: StoredResource) =>
        mine !== undefined && view.listenerWaypoint(r.name) === mine && named(r);
    }
    if (typeUrl !== ADDRESS_TYPE_URL || subscription.wildcard) return named;
    const nodeName = proxyNodeName(node);
    const services = new Set<string>();
    for (const name of subscription.names) {
      const resolved = view.addressName(name);
      if (resolved !== undefined) services.add(resolved);
    }
    return (r: StoredResource) => {
      if (named(r)) return true;
      if (nodeName !== undefined && view.workloadNode(r.name) === nodeName) return true;
      return view.workloadServices(r.name).some((s) => services.has(s));
    };
  };
}
