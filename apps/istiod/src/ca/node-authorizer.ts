// Whether a caller may obtain a certificate for another identity (ztunnel
// requesting certificates for the pods on its node): istiod's NodeAuthorizer
// (security/pkg/server/ca/node_auth.go upstream, reliability.md §2.3). Pure:
// pod lookups are injected. Every refusal carries its real reason for the
// log; the caller only ever sees the opaque impersonation failure.

import { parseIstioIdentity, SpiffeIdError } from '@ambient-ts/spiffe';
import type { Caller } from './authenticate.js';

export interface PodLookup {
  /** The live pod, if it exists. */
  pod(
    namespace: string,
    name: string,
  ):
    | { readonly uid?: string; readonly serviceAccount: string; readonly nodeName?: string }
    | undefined;
  /** Whether a non-Failed pod of this service account is scheduled on `node`. */
  hasServiceAccountOnNode(namespace: string, serviceAccount: string, node: string): boolean;
}

export type ImpersonationResult =
  { readonly ok: true } | { readonly ok: false; readonly reason: string };

export class NodeAuthorizer {
  private readonly trusted: ReadonlySet<string>;

  constructor(
    trustedNodeAccounts: readonly string[],
    private readonly pods: PodLookup,
    private readonly trustDomain: string,
  ) {
    this.trusted = new Set(trustedNodeAccounts);
  }

  authorize(caller: Caller, requested: string): ImpersonationResult {
    const callerAccount = `${caller.namespace}/${caller.serviceAccount}`;
    if (!this.trusted.has(callerAccount)) {
      return { ok: false, reason: `caller ${callerAccount} is not allowed to impersonate` };
    }
    let target: { namespace: string; serviceAccount: string; trustDomain: string };
    try {
      const id = parseIstioIdentity(requested);
      target = {
        namespace: id.namespace ?? '',
        serviceAccount: id.serviceAccount ?? '',
        trustDomain: id.trustDomain,
      };
    } catch (error) {
      const rule = error instanceof SpiffeIdError ? ` (${error.rule})` : '';
      return {
        ok: false,
        reason: `failed to validate impersonated identity ${JSON.stringify(requested)}${rule}`,
      };
    }
    if (target.trustDomain !== this.trustDomain) {
      return {
        ok: false,
        reason: `impersonated identity ${requested} is outside trust domain ${this.trustDomain}`,
      };
    }
    if (!caller.podName || !caller.podUid) {
      return {
        ok: false,
        reason: 'the token is not bound to a pod (use a projected service account token)',
      };
    }
    const pod = this.pods.pod(caller.namespace, caller.podName);
    if (!pod)
      return { ok: false, reason: `failed to lookup pod ${caller.namespace}/${caller.podName}` };
    if (pod.uid !== caller.podUid) {
      return {
        ok: false,
        reason: `pod found, but UID does not match: ${pod.uid ?? ''} vs ${caller.podUid}`,
      };
    }
    if (pod.serviceAccount !== caller.serviceAccount) {
      return {
        ok: false,
        reason: `pod found, but ServiceAccount does not match: ${pod.serviceAccount} vs ${caller.serviceAccount}`,
      };
    }
    const node = pod.nodeName;
    if (!node)
      return {
        ok: false,
        reason: `pod ${caller.namespace}/${caller.podName} is not scheduled on a node`,
      };
    if (caller.nodeName !== undefined && caller.nodeName !== node) {
      return {
        ok: false,
        reason: `token is bound to node ${caller.nodeName} but the pod runs on ${node}`,
      };
    }
    if (!this.pods.hasServiceAccountOnNode(target.namespace, target.serviceAccount, node)) {
      return {
        ok: false,
        reason: `no instances of "${target.namespace}/${target.serviceAccount}" found on node "${node}"`,
      };
    }
    return { ok: true };
  }
}
