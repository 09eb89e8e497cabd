// The L7 policy a waypoint enforces: an AuthorizationPolicy compiled into
// plain data (every value already parsed), with Envoy's matching semantics.

import type { ConditionKey } from './condition-keys.js';
import type { Cidr } from './ip.js';
import type { ServiceAccountRef } from './l4-model.js';
import type { AuthzAction } from './model.js';
import type { L7StringMatcher } from './l7-string-match.js';
import type { StringMatcher } from './string-match.js';

/** A `*` anywhere (Envoy compiles namespace values to `.*` globs); no `*` is exact. */
export interface GlobMatcher {
  readonly kind: 'glob';
  /** The value split at `*`. */
  readonly parts: readonly string[];
}

/** A path value with `{*}` (one segment) or `{**}` (any rest) operators. */
export interface PathTemplateMatcher {
  readonly kind: 'template';
  readonly template: string;
}

/** JWT `iss/sub` (split at the last `/`, as issuers are often URLs). */
export interface RequestPrincipalMatcher {
  readonly issuer: StringMatcher;
  readonly subject: StringMatcher;
}

/**
 * A request principal as the waypoint config carries it: one matcher over the
 * whole `iss/sub` string (Envoy's reading), or the split form above.
 */
export type RequestPrincipalField = RequestPrincipalMatcher | L7StringMatcher;

/** A positive list (any may match; empty = no constraint) and a negative list (none may match). */
export interface Field<T> {
  readonly values: readonly T[];
  readonly notValues: readonly T[];
}

export interface L7Source {
  /** Peer principal without `spiffe://`. */
  readonly principals: Field<L7StringMatcher>;
  readonly requestPrincipals: Field<RequestPrincipalField>;
  readonly namespaces: Field<L7StringMatcher | GlobMatcher>;
  readonly serviceAccounts: Field<ServiceAccountRef>;
  readonly trustDomains: Field<StringMatcher>;
  /** The peer (connection) source address. */
  readonly ipBlocks: Field<Cidr>;
  /** The original client address (X-Forwarded-For per trusted hops, else the peer address). */
  readonly remoteIpBlocks: Field<Cidr>;
}

export interface L7Operation {
  /** Lower-cased; compared case-insensitively, against the host without port unless the value names one. */
  readonly hosts: Field<StringMatcher>;
  readonly ports: Field<number>;
  readonly methods: Field<L7StringMatcher>;
  readonly paths: Field<L7StringMatcher | PathTemplateMatcher>;
}

export type L7ConditionValues =
  | { readonly type: 'ip'; readonly match: Field<Cidr> }
  | { readonly type: 'port'; readonly match: Field<number> }
  | { readonly type: 'serviceAccount'; readonly match: Field<ServiceAccountRef> }
  | { readonly type: 'requestPrincipal'; readonly match: Field<RequestPrincipalField> }
  | { readonly type: 'namespace'; readonly match: Field<L7StringMatcher | GlobMatcher> }
  | { readonly type: 'string'; readonly match: Field<L7StringMatcher> }
  /** Keys we cannot evaluate (experimental.envoy.filters.*): fail closed for the policy's action. */
  | { readonly type: 'unsupported' };

export interface L7Condition {
  readonly key: ConditionKey;
  readonly text: string;
  readonly condition: L7ConditionValues;
}

export interface L7Rule {
  /** ORed; empty = any source. */
  readonly from: readonly L7Source[];
  /** ORed; empty = any operation. */
  readonly to: readonly L7Operation[];
  /** ANDed. */
  readonly when: readonly L7Condition[];
}

export interface L7Policy {
  readonly name: string;
  readonly namespace: string;
  readonly action: AuthzAction;
  readonly provider?: string;
  readonly dryRun: boolean;
  /** ORed; no rules = never matches. */
  readonly rules: readonly L7Rule[];
}
