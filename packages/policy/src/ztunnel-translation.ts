// AuthorizationPolicy → istio.security.Authorization, as istiod builds it for
// ztunnel: which policies reach ztunnel, scope, one rule per AP rule with
// clauses to / from / one per `when`, and the degradation of HTTP attributes
// with the status texts istiod writes on the ZtunnelAccepted condition.

import type { security } from '@ambient-ts/xds-types';
import { L4_CONDITION_KEYS } from './condition-keys.js';
import type { PolicyValidationError } from './errors.js';
import { parseCidr } from './ip.js';
import {
  EMPTY_MATCH,
  isEmptyMatch,
  type L4Action,
  type L4Clause,
  type L4Match,
  type L4Policy,
  type L4Rule,
  type L4Scope,
  type ServiceAccountRef,
} from './l4-model.js';
import { l4PolicyToProto } from './l4-proto.js';
import type {
  AuthzCondition,
  AuthzOperation,
  AuthzPolicy,
  AuthzRule,
  AuthzSource,
} from './model.js';
import { DRY_RUN_ANNOTATION, parseGoBool } from './parse-authorization-policy.js';
import {
  HTTP_ALLOW_RULE,
  HTTP_DENY_MIXED,
  HTTP_DENY_NO_EFFECT,
  MESSAGE_ATTACHED,
  REASON_ACCEPTED,
  REASON_INVALID,
  REASON_UNSUPPORTED_VALUE,
  ZTUNNEL_ACCEPTED,
  dryRunNotEnabledMessage,
  httpAttributesMessage,
  unsupportedActionMessage,
} from './status-messages.js';
import { toStringMatcher } from './string-match.js';

export const DEFAULT_ROOT_NAMESPACE = 'istio-system';

export interface ZtunnelTranslationOptions {
  /** MeshConfig rootNamespace; policies without selector there are GLOBAL. Default istio-system. */
  readonly rootNamespace?: string;
  /** AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY (default false): send dry-run policies with dry_run. */
  readonly enableDryRun?: boolean;
  /**
   * What an HTTP-only part of a DENY rule becomes at L4.
   * - 'fail-closed' (default): "anything" — the clause it sat in is dropped, so
   *   the DENY is enforced on its L4 parts and an HTTP-only DENY rule denies
   *   everything in scope (what istio 1.24–1.30 did, and what its status says).
   * - 'upstream': istiod master's bytes — an empty Match, which ztunnel skips,
   *   so such a clause never matches and an HTTP-only DENY has no effect.
   */
  readonly httpDenyRules?: 'fail-closed' | 'upstream';
}

/** One status entry for the policy's ZtunnelAccepted condition. */
export interface PolicyStatusMessage {
  readonly reason: string;
  readonly message: string;
}

export interface TranslationResult {
  /** What istiod sends to ztunnel; absent when the policy is not for ztunnel or not convertible. */
  readonly authorization?: security.Authorization;
  /** At most one entry; empty when istiod writes no ZtunnelAccepted condition (targetRef policies). */
  readonly status: readonly PolicyStatusMessage[];
  /** Validation warnings and notes (not part of the condition). */
  readonly warnings: readonly string[];
}

/** The ZtunnelAccepted condition istiod writes for a translation, if any. */
export function ztunnelAcceptedCondition(
  result: TranslationResult,
): { type: string; status: 'True' | 'False'; reason: string; message: string } | undefined {
  const [status] = result.status;
  if (!status) return undefined;
  return {
    type: ZTUNNEL_ACCEPTED,
    status: result.authorization ? 'True' : 'False',
    reason: status.reason,
    message: status.message,
  };
}

function scopeFor(hasSelector: boolean, namespace: string, rootNamespace: string): L4Scope {
  if (hasSelector) return 'WORKLOAD_SELECTOR';
  return namespace === rootNamespace ? 'GLOBAL' : 'NAMESPACE';
}

function ipRanges(values: readonly string[]): L4Match['sourceIps'] {
  // Values were validated when the policy was parsed; a miss here is a bug, not input.
  return values.map((v) => {
    const cidr = parseCidr(v);
    if (!cidr) throw new Error(`internal: unvalidated IP value "${v}" reached translation`);
    return cidr;
  });
}

function serviceAccountRefs(
  values: readonly string[],
  policyNamespace: string,
): ServiceAccountRef[] {
  return values.map((v) => {
    const slash = v.indexOf('/');
    return slash < 0
      ? { namespace: policyNamespace, serviceAccount: v }
      : { namespace: v.slice(0, slash), serviceAccount: v.slice(slash + 1) };
  });
}

const HTTP_OPERATION_FIELDS = [
  'hosts',
  'notHosts',
  'methods',
  'notMethods',
  'paths',
  'notPaths',
] as const;
const HTTP_SOURCE_FIELDS = [
  'remoteIpBlocks',
  'notRemoteIpBlocks',
  'requestPrincipals',
  'notRequestPrincipals',
  // A Match has no trust-domain field, and folding it into principals would
  // widen a source that sets both; istiod reports it like an HTTP attribute.
  'trustDomains',
  'notTrustDomains',
] as const;

function toMatch(op: AuthzOperation, http: Set<string>): L4Match {
  for (const f of HTTP_OPERATION_FIELDS) if (op[f].length > 0) http.add(f);
  return {
    ...EMPTY_MATCH,
    destinationPorts: op.ports.map((p) => p.port),
    notDestinationPorts: op.notPorts.map((p) => p.port),
  };
}

function fromMatch(src: AuthzSource, http: Set<string>, policyNamespace: string): L4Match {
  for (const f of HTTP_SOURCE_FIELDS) if (src[f].length > 0) http.add(f);
  return {
    ...EMPTY_MATCH,
    sourceIps: src.ipBlocks.map((b) => b.cidr),
    notSourceIps: src.notIpBlocks.map((b) => b.cidr),
    namespaces: src.namespaces.map(toStringMatcher),
    notNamespaces: src.notNamespaces.map(toStringMatcher),
    serviceAccounts: serviceAccountRefs(src.serviceAccounts, policyNamespace),
    notServiceAccounts: serviceAccountRefs(src.notServiceAccounts, policyNamespace),
    principals: src.principals.map(toStringMatcher),
    notPrincipals: src.notPrincipals.map(toStringMatcher),
  };
}

function whenMatch(cond: AuthzCondition, http: Set<string>): L4Match {
  if (!L4_CONDITION_KEYS.has(cond.key)) {
    http.add(cond.key);
    return EMPTY_MATCH;
  }
  const { values, notValues } = cond;
  switch (cond.key) {
    case 'source.namespace':
      return {
        ...EMPTY_MATCH,
        namespaces: values.map(toStringMatcher),
        notNamespaces: notValues.map(toStringMatcher),
      };
    case 'source.principal':
      return {
        ...EMPTY_MATCH,
        principals: values.map(toStringMatcher),
        notPrincipals: notValues.map(toStringMatcher),
      };
    case 'source.ip':
      return { ...EMPTY_MATCH, sourceIps: ipRanges(values), notSourceIps: ipRanges(notValues) };
    case 'destination.ip':
      return {
        ...EMPTY_MATCH,
        destinationIps: ipRanges(values),
        notDestinationIps: ipRanges(notValues),
      };
    default: // destination.port
      return {
        ...EMPTY_MATCH,
        destinationPorts: values.map(Number),
        notDestinationPorts: notValues.map(Number),
      };
  }
}

interface RuleTranslation {
  /** Undefined when the rule is dropped (an ALLOW rule with HTTP attributes). */
  readonly rule?: L4Rule;
  readonly http: ReadonlySet<string>;
}

function translateRule(
  rule: AuthzRule,
  action: L4Action,
  policyNamespace: string,
  httpDenyRules: 'fail-closed' | 'upstream',
): RuleTranslation {
  const http = new Set<string>();
  let clauses: L4Clause[] = [];
  if (rule.to.length > 0) clauses.push({ matches: rule.to.map((op) => toMatch(op, http)) });
  if (rule.from.length > 0) {
    clauses.push({ matches: rule.from.map((src) => fromMatch(src, http, policyNamespace)) });
  }
  for (const cond of rule.when) clauses.push({ matches: [whenMatch(cond, http)] });

  // An ALLOW rule with HTTP attributes can never be satisfied at L4: drop it.
  if (action === 'ALLOW' && http.size > 0) return { http };
  if (action === 'DENY' && http.size > 0 && httpDenyRules === 'fail-closed') {
    // A match emptied by removing HTTP attributes stands for "any request",
    // so the clause holding it holds for every connection: drop the clause.
    clauses = clauses.filter((c) => !c.matches.some(isEmptyMatch));
  }
  return { rule: { clauses }, http };
}

/** Whether some rule can still fire at ztunnel (a clause of only empty matches never holds). */
function hasEffectiveRules(rules: readonly L4Rule[]): boolean {
  return rules.some((r) => r.clauses.every((c) => c.matches.some((m) => !isEmptyMatch(m))));
}

function isDryRunAnnotated(annotations: Readonly<Record<string, unknown>> | undefined): boolean {
  const value = annotations?.[DRY_RUN_ANNOTATION];
  return typeof value === 'string' && value !== '' && parseGoBool(value) === true;
}

/**
 * Translates a parsed AuthorizationPolicy for ztunnel the way istiod does.
 * The result carries the Authorization to send (if any) and the status for the
 * policy's ZtunnelAccepted condition.
 */
export function translateForZtunnel(
  policy: AuthzPolicy,
  options: ZtunnelTranslationOptions = {},
): TranslationResult {
  const rootNamespace = options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  const httpDenyRules = options.httpDenyRules ?? 'fail-closed';
  const warnings = [...policy.warnings];

  if (policy.dryRun && !options.enableDryRun) {
    return {
      status: [
        {
          reason: REASON_UNSUPPORTED_VALUE,
          message: dryRunNotEnabledMessage(policy.namespace, policy.name),
        },
      ],
      warnings,
    };
  }
  // targetRef policies are for waypoints and gateways; istiod writes no ztunnel status for them.
  if (policy.targetRefs.length > 0) return { status: [], warnings };
  if (policy.action !== 'ALLOW' && policy.action !== 'DENY') {
    return {
      status: [
        { reason: REASON_UNSUPPORTED_VALUE, message: unsupportedActionMessage(policy.action) },
      ],
      warnings,
    };
  }

  const action = policy.action;
  const rules: L4Rule[] = [];
  const http = new Set<string>();
  for (const rule of policy.rules) {
    const t = translateRule(rule, action, policy.namespace, httpDenyRules);
    if (t.rule) rules.push(t.rule);
    for (const h of t.http) http.add(h);
  }
  const l4: L4Policy = {
    name: policy.name,
    namespace: policy.namespace,
    scope: scopeFor(policy.selector !== undefined, policy.namespace, rootNamespace),
    action,
    dryRun: policy.dryRun,
    rules,
  };
  const authorization = l4PolicyToProto(l4);
  if (http.size === 0) {
    return {
      authorization,
      status: [{ reason: REASON_ACCEPTED, message: MESSAGE_ATTACHED }],
      warnings,
    };
  }
  let boilerplate = HTTP_ALLOW_RULE;
  if (action === 'DENY') {
    boilerplate =
      httpDenyRules === 'upstream' && !hasEffectiveRules(rules)
        ? HTTP_DENY_NO_EFFECT
        : HTTP_DENY_MIXED;
  }
  return {
    authorization,
    status: [
      {
        reason: REASON_UNSUPPORTED_VALUE,
        message: httpAttributesMessage([...http].sort(), boilerplate),
      },
    ],
    warnings,
  };
}

function looseObject(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * What istiod sends for an AuthorizationPolicy that failed validation
 * (upstream's admission webhook keeps such objects out; we may still meet
 * them). Dropping the policy would widen access — a missing DENY denies
 * nothing and a missing ALLOW can turn deny-by-default into allow-all — so it
 * is enforced fail-closed in the scope it names: a DENY (or an unreadable
 * action) denies everything, an ALLOW allows nothing. AUDIT never changes a
 * decision and CUSTOM is not for ztunnel, so those send nothing; neither do
 * targetRef policies without a selector (the waypoint side fails closed on its
 * own, see failClosedL7Policy).
 */
export function failClosedForZtunnel(
  obj: unknown,
  error: PolicyValidationError,
  options: ZtunnelTranslationOptions = {},
): TranslationResult {
  const rootNamespace = options.rootNamespace ?? DEFAULT_ROOT_NAMESPACE;
  const root = looseObject(obj);
  const metadata = looseObject(root?.metadata);
  const spec = looseObject(root?.spec) ?? {};
  const name = metadata?.name;
  const namespace = metadata?.namespace;
  const invalid = (detail: string): PolicyStatusMessage => ({
    reason: REASON_INVALID,
    message: `${error.message}; ${detail}`,
  });
  if (
    typeof name !== 'string' ||
    name === '' ||
    typeof namespace !== 'string' ||
    namespace === ''
  ) {
    return { status: [invalid('the policy cannot be identified and is not sent')], warnings: [] };
  }
  const present = (k: string): boolean => spec[k] !== undefined && spec[k] !== null;
  // Only a policy that is plainly for waypoints is left to them; one that also
  // names a selector is read the ztunnel way too.
  if ((present('targetRef') || present('targetRefs')) && !present('selector')) {
    return { status: [], warnings: [] };
  }
  const dryRun = isDryRunAnnotated(looseObject(metadata?.annotations));
  if (dryRun && !options.enableDryRun) {
    return {
      status: [
        { reason: REASON_UNSUPPORTED_VALUE, message: dryRunNotEnabledMessage(namespace, name) },
      ],
      warnings: [],
    };
  }
  const actionText = spec.action ?? 'ALLOW';
  if (actionText === 'AUDIT' || actionText === 'CUSTOM') {
    return {
      status: [{ reason: REASON_UNSUPPORTED_VALUE, message: unsupportedActionMessage(actionText) }],
      warnings: [],
    };
  }
  const action: L4Action = actionText === 'ALLOW' ? 'ALLOW' : 'DENY';
  const l4: L4Policy = {
    name,
    namespace,
    scope: scopeFor(present('selector'), namespace, rootNamespace),
    action,
    dryRun,
    rules: action === 'DENY' ? [{ clauses: [] }] : [],
  };
  return {
    authorization: l4PolicyToProto(l4),
    status: [
      invalid(
        action === 'DENY'
          ? 'enforced at ztunnel as deny-all for its scope until fixed'
          : 'enforced at ztunnel as allow-nothing for its scope until fixed',
      ),
    ],
    warnings: [],
  };
}
