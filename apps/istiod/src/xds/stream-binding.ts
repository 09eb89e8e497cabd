// Whether an authenticated caller may be the proxy its Node claims to be.
//
// Upstream (pilot/pkg/xds/authentication.go checkConnectionIdentity) only
// requires the node's namespace to equal the identity's namespace and, when
// the node sends SERVICE_ACCOUNT metadata, the service account to match; it
// then serves WDS/WADS to any authenticated proxy (its generators do not
// filter by identity; mesh config is not a secret in Istio's security model).
// We keep that and close the two gaps that let one identity act as another
// proxy:
//
//  1. namespace: every namespace the node names (its pod's `<pod>.<ns>`, the
//     `<ns>.svc.<domain>` field, NAMESPACE metadata) equals the caller's;
//     SERVICE_ACCOUNT metadata, when sent, equals the caller's SA (upstream).
//  2. pod: a pod-bound token (TokenReview extra pod-name) must name the node's
//     pod; a pod istiod knows must run as the caller's SA (and have the
//     token's pod UID), so nobody claims another SA's pod.
//  3. ztunnel: a node of type `ztunnel` must be one of upstream's trusted
//     ztunnel accounts (CA_TRUSTED_NODE_ACCOUNTS, `<istiod ns>/ztunnel`).
//  4. waypoint listeners (not a connect-time rule: the pod may appear later):
//     only to a stream whose caller runs the waypoint's pod as that pod's SA —
//     `runsNodePod` below, evaluated by the xDS filter on every push.
//
// Anything else that passes 1–3 sees what upstream shows any authenticated
// proxy: every Address and Authorization, and no waypoint listener.

import type { envoyCore } from '@ambient-ts/xds-types';
import { proxyPod } from './proxy-filter.js';
import type { StreamCaller } from './stream-identity.js';

export interface KnownPod {
  readonly serviceAccount: string;
  readonly uid?: string;
}

export interface BindingContext {
  /** CA_TRUSTED_NODE_ACCOUNTS: `<ns>/<sa>` allowed to act as ztunnel. */
  readonly trustedNodeAccounts: readonly string[];
  /** The pod as istiod's informer sees it, if it does. */
  pod(namespace: string, name: string): KnownPod | undefined;
}

export type BindingResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function metadataString(node: envoyCore.Node, key: string): string | undefined {
  const v = node.metadata?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The node id's first field (`ztunnel`, `waypoint`, `sidecar`, `router`). */
export function proxyType(node: envoyCore.Node): string {
  return node.id.split('~')[0] ?? '';
}

/** The namespace in `<ns>.svc.<domain>`, the id's fourth field. */
function configNamespace(node: envoyCore.Node): string | undefined {
  const field = node.id.split('~')[3];
  const ns = field?.split('.')[0];
  return ns !== undefined && ns !== '' ? ns : undefined;
}

export function authorizeStream(
  caller: StreamCaller,
  node: envoyCore.Node,
  context: BindingContext,
): BindingResult {
  const who = `${caller.namespace}/${caller.serviceAccount}`;
  const pod = proxyPod(node);
  const namespaces = [pod?.namespace, configNamespace(node), metadataString(node, 'NAMESPACE')];
  const named = namespaces.filter((n): n is string => n !== undefined);
  if (named.length === 0) {
    return { ok: false, reason: `node ${JSON.stringify(node.id)} names no namespace` };
  }
  const other = named.find((n) => n !== caller.namespace);
  if (other !== undefined) {
    return { ok: false, reason: `node is in namespace ${other}, the caller is ${who}` };
  }
  const sa = metadataString(node, 'SERVICE_ACCOUNT');
  if (sa !== undefined && sa !== caller.serviceAccount) {
    return { ok: false, reason: `node claims service account ${sa}, the caller is ${who}` };
  }
  if (caller.podName !== undefined && pod?.name !== caller.podName) {
    return {
      ok: false,
      reason: `the token is bound to pod ${caller.podName}, the node claims ${pod?.name ?? 'no pod'}`,
    };
  }
  if (pod !== undefined) {
    const known = context.pod(pod.namespace, pod.name);
    if (known !== undefined && known.serviceAccount !== caller.serviceAccount) {
      return {
        ok: false,
        reason: `node claims pod ${pod.namespace}/${pod.name}, which does not run as ${who}`,
      };
    }
    if (known?.uid !== undefined && caller.podUid !== undefined && known.uid !== caller.podUid) {
      return { ok: false, reason: `the token's pod UID is not pod ${pod.namespace}/${pod.name}'s` };
    }
  }
  if (proxyType(node) === 'ztunnel' && !context.trustedNodeAccounts.includes(who)) {
    return {
      ok: false,
      reason: `${who} may not connect as ztunnel (trusted: ${context.trustedNodeAccounts.join(', ') || 'none'})`,
    };
  }
  return { ok: true };
}

/**
 * Rule 4: whether this stream's caller is the pod its node names, running as
 * that pod's service account — the only stream a waypoint's listeners go to.
 */
export function runsNodePod(
  caller: StreamCaller,
  node: envoyCore.Node,
  context: Pick<BindingContext, 'pod'>,
): boolean {
  const pod = proxyPod(node);
  if (pod === undefined || pod.namespace !== caller.namespace) return false;
  if (caller.podName !== undefined && caller.podName !== pod.name) return false;
  const known = context.pod(pod.namespace, pod.name);
  return known !== undefined && known.serviceAccount === caller.serviceAccount;
}
