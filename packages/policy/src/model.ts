// The AuthorizationPolicy and PeerAuthentication model (security.istio.io v1
// and v1beta1 share one schema), after validation. String values keep their
// policy spelling (`*`, `prefix*`, `*suffix`); ports and IP blocks are parsed.

import type { Cidr } from './ip.js';

export type AuthzAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

export interface WorkloadSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
}

/** A targetRef/targetRefs entry (policies for waypoints and gateways). */
export interface PolicyTargetRef {
  /** "" for the core group (Service). */
  readonly group: string;
  readonly kind: 'Service' | 'ServiceEntry' | 'Gateway' | 'GatewayClass';
  readonly name: string;
  /** Only ever the policy's own namespace; cross-namespace references are rejected. */
  readonly namespace?: string;
}

/** An IP block as written plus its parsed range. */
export interface IpBlock {
  readonly text: string;
  readonly cidr: Cidr;
}

/** A port as written plus its number. */
export interface PortValue {
  readonly text: string;
  readonly port: number;
}

export interface AuthzSource {
  readonly principals: readonly string[];
  readonly notPrincipals: readonly string[];
  readonly requestPrincipals: readonly string[];
  readonly notRequestPrincipals: readonly string[];
  readonly namespaces: readonly string[];
  readonly notNamespaces: readonly string[];
  /** `ns/sa`, or `sa` meaning the policy's namespace. */
  readonly serviceAccounts: readonly string[];
  readonly notServiceAccounts: readonly string[];
  readonly ipBlocks: readonly IpBlock[];
  readonly notIpBlocks: readonly IpBlock[];
  readonly remoteIpBlocks: readonly IpBlock[];
  readonly notRemoteIpBlocks: readonly IpBlock[];
  readonly trustDomains: readonly string[];
  readonly notTrustDomains: readonly string[];
}

export interface AuthzOperation {
  readonly hosts: readonly string[];
  readonly notHosts: readonly string[];
  readonly ports: readonly PortValue[];
  readonly notPorts: readonly PortValue[];
  readonly methods: readonly string[];
  readonly notMethods: readonly string[];
  readonly paths: readonly string[];
  readonly notPaths: readonly string[];
}

export interface AuthzCondition {
  readonly key: string;
  readonly values: readonly string[];
  readonly notValues: readonly string[];
}

export interface AuthzRule {
  /** from[].source entries, ORed; empty = any source. */
  readonly from: readonly AuthzSource[];
  /** to[].operation entries, ORed; empty = any operation. */
  readonly to: readonly AuthzOperation[];
  /** when[] conditions, ANDed. */
  readonly when: readonly AuthzCondition[];
}

export interface AuthzPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly generation?: number;
  /** Set when the `istio.io/dry-run` annotation reads as true (Go ParseBool spelling). */
  readonly dryRun: boolean;
  /** Absent: no selector. Present with no labels is kept distinct (it still scopes to workloads). */
  readonly selector?: WorkloadSelector;
  /** targetRef and targetRefs merged; non-empty means the policy is for waypoints/gateways. */
  readonly targetRefs: readonly PolicyTargetRef[];
  readonly action: AuthzAction;
  /** The extension provider name, only with CUSTOM. */
  readonly provider?: string;
  /**
   * Empty when spec.rules is absent or `[]`: an ALLOW then matches nothing
   * (and a DENY without rules is rejected). `[{}]` is one rule that matches
   * everything.
   */
  readonly rules: readonly AuthzRule[];
  /** Admission-style warnings (the object is still valid). */
  readonly warnings: readonly string[];
}

export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

export interface PeerAuthn {
  readonly name: string;
  readonly namespace: string;
  /** RFC 3339; the oldest policy wins ties between policies of the same level. */
  readonly creationTimestamp?: string;
  readonly selector?: WorkloadSelector;
  /** UNSET when spec.mtls or its mode is absent. */
  readonly mtlsMode: MtlsMode;
  /** Port → mode, ascending by port. */
  readonly portLevelMtls: ReadonlyMap<number, MtlsMode>;
}
