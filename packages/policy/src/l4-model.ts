// The L4 policy ztunnel enforces: istio.security.Authorization as a validated
// domain value. Rules are ORed, the clauses of a rule ANDed, the matches of a
// clause ORed; inside a match every non-empty field must hold.

import type { Cidr } from './ip.js';
import type { StringMatcher } from './string-match.js';

export type L4Scope = 'GLOBAL' | 'NAMESPACE' | 'WORKLOAD_SELECTOR';
export type L4Action = 'ALLOW' | 'DENY';

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly serviceAccount: string;
}

export interface L4Match {
  readonly namespaces: readonly StringMatcher[];
  readonly notNamespaces: readonly StringMatcher[];
  readonly principals: readonly StringMatcher[];
  readonly notPrincipals: readonly StringMatcher[];
  readonly serviceAccounts: readonly ServiceAccountRef[];
  readonly notServiceAccounts: readonly ServiceAccountRef[];
  readonly sourceIps: readonly Cidr[];
  readonly notSourceIps: readonly Cidr[];
  readonly destinationIps: readonly Cidr[];
  readonly notDestinationIps: readonly Cidr[];
  readonly destinationPorts: readonly number[];
  readonly notDestinationPorts: readonly number[];
}

/** ORed matches; a clause with no matches holds. */
export interface L4Clause {
  readonly matches: readonly L4Match[];
}

/** ANDed clauses; a rule with no clauses matches every connection. */
export interface L4Rule {
  readonly clauses: readonly L4Clause[];
}

export interface L4Policy {
  readonly name: string;
  readonly namespace: string;
  readonly scope: L4Scope;
  readonly action: L4Action;
  /** Evaluated and reported, never enforced. */
  readonly dryRun: boolean;
  /** ORed; no rules means the policy never matches. */
  readonly rules: readonly L4Rule[];
}

export const EMPTY_MATCH: L4Match = {
  namespaces: [],
  notNamespaces: [],
  principals: [],
  notPrincipals: [],
  serviceAccounts: [],
  notServiceAccounts: [],
  sourceIps: [],
  notSourceIps: [],
  destinationIps: [],
  notDestinationIps: [],
  destinationPorts: [],
  notDestinationPorts: [],
};

/** A match with every field empty never matches (ztunnel skips it). */
export function isEmptyMatch(m: L4Match): boolean {
  return (Object.keys(EMPTY_MATCH) as (keyof L4Match)[]).every((k) => m[k].length === 0);
}

/** The xDS resource name and ztunnel's policy key: `namespace/name`. */
export function policyKey(p: { readonly namespace: string; readonly name: string }): string {
  return `${p.namespace}/${p.name}`;
}
