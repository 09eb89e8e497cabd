// AuthorizationPolicy and PeerAuthentication objects → what ztunnel gets:
// istio.security.Authorization resources, the ZtunnelAccepted condition, and
// which workloads list which policy. Translation itself is @ambient-ts/policy;
// this file decides scope and workload selection, and fails closed when an
// object cannot be read.

import {
  failClosedForZtunnel,
  parseAuthorizationPolicy,
  parsePeerAuthentication,
  PolicyValidationError,
  translateForZtunnel,
  ztunnelAcceptedCondition,
  convertPeerAuthentications,
  peerAuthenticationPolicyKeys,
  type AuthzPolicy,
  type PeerAuthn,
} from '@ambient-ts/policy';
import type { security } from '@ambient-ts/xds-types';
import { asRecord, asStringMap, type KubeObject } from '../kube/objects.js';
import type { IndexConfig } from './index-config.js';

export interface ConditionSpec {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

/** Which workloads a selector policy applies to. */
export type WorkloadSelection =
  | { readonly kind: 'none' }
  /** Every workload in scope (a selector that could not be read: fail closed). */
  | { readonly kind: 'all' }
  | { readonly kind: 'labels'; readonly matchLabels: Readonly<Record<string, string>> };

export interface PolicyTranslation {
  readonly key: string;
  readonly namespace: string;
  readonly authorization?: security.Authorization;
  readonly ztunnelCondition?: ConditionSpec;
  /** For WORKLOAD_SELECTOR policies that reach ztunnel; `none` otherwise. */
  readonly selection: WorkloadSelection;
  /** Parsed policy (undefined when invalid); the waypoint compiler reads targetRefs from it. */
  readonly parsed?: AuthzPolicy;
  readonly error?: PolicyValidationError;
  readonly warnings: readonly string[];
}

/**
 * The workloads a policy that failed validation still applies to. A selector
 * that cannot be read — labels that are not strings, or an empty key or `*`
 * that upstream's admission refuses — says nothing reliable about which pods
 * were meant, so the fail-closed stand-in covers the whole namespace rather
 * than matching nothing (a DENY that matches nothing denies nothing).
 */
function lenientSelection(obj: KubeObject): WorkloadSelection {
  const selector = asRecord(obj.spec)?.selector;
  if (selector === undefined || selector === null) return { kind: 'none' };
  const rec = asRecord(selector);
  const labels = rec?.matchLabels === undefined ? {} : asStringMap(rec.matchLabels);
  if (!labels) return { kind: 'all' };
  const unreadable = Object.entries(labels).some(
    ([k, v]) => k === '' || k.includes('*') || v.includes('*'),
  );
  return unreadable ? { kind: 'all' } : { kind: 'labels', matchLabels: labels };
}

export function translateAuthorizationPolicy(
  obj: KubeObject,
  config: IndexConfig,
): PolicyTranslation {
  const namespace = obj.metadata.namespace ?? '';
  const key = `${namespace}/${obj.metadata.name ?? ''}`;
  const options = { rootNamespace: config.rootNamespace, enableDryRun: config.enableDryRun };
  let parsed: AuthzPolicy;
  try {
    parsed = parseAuthorizationPolicy(obj);
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    const result = failClosedForZtunnel(obj, error, options);
    const condition = ztunnelAcceptedCondition(result);
    return {
      key,
      namespace,
      ...(result.authorization && { authorization: result.authorization }),
      ...(condition && { ztunnelCondition: condition }),
      selection: result.authorization ? lenientSelection(obj) : { kind: 'none' },
      error,
      warnings: [error.message],
    };
  }
  const result = translateForZtunnel(parsed, options);
  const condition = ztunnelAcceptedCondition(result);
  return {
    key,
    namespace,
    ...(result.authorization && { authorization: result.authorization }),
    ...(condition && { ztunnelCondition: condition }),
    selection:
      result.authorization && parsed.selector
        ? { kind: 'labels', matchLabels: parsed.selector.matchLabels }
        : { kind: 'none' },
    parsed,
    warnings: result.warnings,
  };
}

/** Whether a translated selector policy is listed on a workload (same namespace, or root namespace). */
export function policySelects(
  t: PolicyTranslation,
  workloadNamespace: string,
  labels: Readonly<Record<string, string>>,
  rootNamespace: string,
): boolean {
  if (t.namespace !== workloadNamespace && t.namespace !== rootNamespace) return false;
  switch (t.selection.kind) {
    case 'none':
      return false;
    case 'all':
      return true;
    default:
      return Object.entries(t.selection.matchLabels).every(([k, v]) => labels[k] === v);
  }
}

/**
 * A PeerAuthentication, or — when it cannot be read — a STRICT stand-in with
 * whatever selector can be read (none: the whole namespace). Ignoring a
 * malformed PeerAuthentication could drop a STRICT and admit plaintext.
 */
export function readPeerAuthentication(obj: KubeObject): { pa: PeerAuthn; warning?: string } {
  try {
    return { pa: parsePeerAuthentication(obj) };
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    const selection = lenientSelection(obj);
    const pa: PeerAuthn = {
      name: obj.metadata.name ?? '',
      namespace: obj.metadata.namespace ?? '',
      ...(obj.metadata.creationTimestamp && { creationTimestamp: obj.metadata.creationTimestamp }),
      ...(selection.kind === 'labels' &&
        Object.keys(selection.matchLabels).length > 0 && {
          selector: { matchLabels: selection.matchLabels },
        }),
      mtlsMode: 'STRICT',
      portLevelMtls: new Map(),
    };
    return { pa, warning: `${error.message}; enforced as STRICT until fixed` };
  }
}

/** The Authorizations PeerAuthentications produce (static strict + converted port policies). */
export function peerAuthenticationAuthorizations(
  all: readonly PeerAuthn[],
  config: IndexConfig,
): security.Authorization[] {
  return convertPeerAuthentications(all, { rootNamespace: config.rootNamespace });
}

/** The PeerAuthentication-derived policy keys a workload lists. */
export function workloadPeerAuthenticationKeys(
  all: readonly PeerAuthn[],
  workloadNamespace: string,
  labels: Readonly<Record<string, string>>,
  config: IndexConfig,
): string[] {
  const root = config.rootNamespace;
  const applicable = all.filter((pa) => {
    const hasLabels = pa.selector !== undefined && Object.keys(pa.selector.matchLabels).length > 0;
    if (!hasLabels) return pa.namespace === root || pa.namespace === workloadNamespace;
    if (pa.namespace !== workloadNamespace || pa.namespace === root) return false;
    return Object.entries(pa.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  });
  if (applicable.length === 0) return [];
  return peerAuthenticationPolicyKeys(applicable, { rootNamespace: root });
}
