// istio.security.Authorization ⇄ L4Policy. Sending: the domain value as the
// generated message. Receiving: every field checked; anything we cannot read
// exactly (an unset oneof, a 5-byte address, port 70000, an unknown field or
// extension) rejects the whole resource. Upstream ztunnel drops such values one
// by one, which can silently remove a constraint and widen a policy.

import { create } from '@bufbuild/protobuf';
import { security } from '@ambient-ts/xds-types';
import { AuthorizationRejectedError, type ValidationIssue } from './errors.js';
import { fieldPath, indexPath } from './field-reader.js';
import type { Cidr } from './ip.js';
import type {
  L4Action,
  L4Clause,
  L4Match,
  L4Policy,
  L4Rule,
  L4Scope,
  ServiceAccountRef,
} from './l4-model.js';
import type { StringMatcher } from './string-match.js';

const SCOPE_TO_PROTO: Readonly<Record<L4Scope, security.Scope>> = {
  GLOBAL: security.Scope.GLOBAL,
  NAMESPACE: security.Scope.NAMESPACE,
  WORKLOAD_SELECTOR: security.Scope.WORKLOAD_SELECTOR,
};
const ACTION_TO_PROTO: Readonly<Record<L4Action, security.Action>> = {
  ALLOW: security.Action.ALLOW,
  DENY: security.Action.DENY,
};

function stringMatchToProto(m: StringMatcher): security.StringMatch {
  return create(security.StringMatchSchema, {
    matchType:
      m.kind === 'presence' ? { case: 'presence', value: {} } : { case: m.kind, value: m.value },
  });
}

function cidrToProto(c: Cidr): security.Address {
  return create(security.AddressSchema, { address: c.bytes, length: c.prefixLength });
}

function serviceAccountToProto(s: ServiceAccountRef): security.ServiceAccountMatch {
  return create(security.ServiceAccountMatchSchema, {
    namespace: s.namespace,
    serviceAccount: s.serviceAccount,
  });
}

function matchToProto(m: L4Match): security.Match {
  return create(security.MatchSchema, {
    namespaces: m.namespaces.map(stringMatchToProto),
    notNamespaces: m.notNamespaces.map(stringMatchToProto),
    principals: m.principals.map(stringMatchToProto),
    notPrincipals: m.notPrincipals.map(stringMatchToProto),
    serviceAccounts: m.serviceAccounts.map(serviceAccountToProto),
    notServiceAccounts: m.notServiceAccounts.map(serviceAccountToProto),
    sourceIps: m.sourceIps.map(cidrToProto),
    notSourceIps: m.notSourceIps.map(cidrToProto),
    destinationIps: m.destinationIps.map(cidrToProto),
    notDestinationIps: m.notDestinationIps.map(cidrToProto),
    destinationPorts: [...m.destinationPorts],
    notDestinationPorts: [...m.notDestinationPorts],
  });
}

/** The wire form of a policy (what istiod sends as type.googleapis.com/istio.security.Authorization). */
export function l4PolicyToProto(policy: L4Policy): security.Authorization {
  return create(security.AuthorizationSchema, {
    name: policy.name,
    namespace: policy.namespace,
    scope: SCOPE_TO_PROTO[policy.scope],
    action: ACTION_TO_PROTO[policy.action],
    dryRun: policy.dryRun,
    rules: policy.rules.map((r) =>
      create(security.RuleSchema, {
        clauses: r.clauses.map((c) =>
          create(security.ClauseSchema, { matches: c.matches.map(matchToProto) }),
        ),
      }),
    ),
  });
}

class IssueList {
  readonly issues: ValidationIssue[] = [];
  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }
  /** Unknown fields may carry a constraint we would otherwise ignore. */
  noUnknown(msg: { $unknown?: unknown[] | undefined }, path: string): void {
    if (msg.$unknown && msg.$unknown.length > 0) {
      this.add(
        path || '(message)',
        `carries ${msg.$unknown.length} unknown field(s); refusing to ignore them`,
      );
    }
  }
}

function readStringMatches(
  issues: IssueList,
  list: readonly security.StringMatch[],
  path: string,
): StringMatcher[] {
  const out: StringMatcher[] = [];
  list.forEach((m, i) => {
    const at = indexPath(path, i);
    issues.noUnknown(m, at);
    const t = m.matchType;
    if (t.case === undefined) issues.add(at, 'no match_type set');
    else if (t.case === 'presence') out.push({ kind: 'presence' });
    else if (t.value === '') issues.add(at, `empty ${t.case} value`);
    else out.push({ kind: t.case, value: t.value });
  });
  return out;
}

function readAddresses(issues: IssueList, list: readonly security.Address[], path: string): Cidr[] {
  const out: Cidr[] = [];
  list.forEach((a, i) => {
    const at = indexPath(path, i);
    issues.noUnknown(a, at);
    const family = a.address.length === 4 ? 4 : a.address.length === 16 ? 6 : undefined;
    if (!family) {
      issues.add(at, `address has ${a.address.length} bytes; expected 4 (IPv4) or 16 (IPv6)`);
    } else if (a.length > (family === 4 ? 32 : 128)) {
      issues.add(at, `prefix length ${a.length} is longer than an IPv${family} address`);
    } else out.push({ family, bytes: a.address.slice(), prefixLength: a.length });
  });
  return out;
}

function readPorts(issues: IssueList, list: readonly number[], path: string): number[] {
  list.forEach((p, i) => {
    if (p < 1 || p > 65535) issues.add(indexPath(path, i), `${p} is not a port (1-65535)`);
  });
  return [...list];
}

function readServiceAccounts(
  issues: IssueList,
  list: readonly security.ServiceAccountMatch[],
  path: string,
): ServiceAccountRef[] {
  return list.map((s, i) => {
    issues.noUnknown(s, indexPath(path, i));
    return { namespace: s.namespace, serviceAccount: s.serviceAccount };
  });
}

function readMatch(issues: IssueList, m: security.Match, path: string): L4Match {
  issues.noUnknown(m, path);
  if (m.extensions.length > 0) {
    issues.add(fieldPath(path, 'extensions'), 'match extensions are not supported');
  }
  const at = (f: string): string => fieldPath(path, f);
  return {
    namespaces: readStringMatches(issues, m.namespaces, at('namespaces')),
    notNamespaces: readStringMatches(issues, m.notNamespaces, at('notNamespaces')),
    principals: readStringMatches(issues, m.principals, at('principals')),
    notPrincipals: readStringMatches(issues, m.notPrincipals, at('notPrincipals')),
    serviceAccounts: readServiceAccounts(issues, m.serviceAccounts, at('serviceAccounts')),
    notServiceAccounts: readServiceAccounts(issues, m.notServiceAccounts, at('notServiceAccounts')),
    sourceIps: readAddresses(issues, m.sourceIps, at('sourceIps')),
    notSourceIps: readAddresses(issues, m.notSourceIps, at('notSourceIps')),
    destinationIps: readAddresses(issues, m.destinationIps, at('destinationIps')),
    notDestinationIps: readAddresses(issues, m.notDestinationIps, at('notDestinationIps')),
    destinationPorts: readPorts(issues, m.destinationPorts, at('destinationPorts')),
    notDestinationPorts: readPorts(issues, m.notDestinationPorts, at('notDestinationPorts')),
  };
}

const SCOPES: ReadonlyMap<number, L4Scope> = new Map([
  [security.Scope.GLOBAL, 'GLOBAL'],
  [security.Scope.NAMESPACE, 'NAMESPACE'],
  [security.Scope.WORKLOAD_SELECTOR, 'WORKLOAD_SELECTOR'],
]);
const ACTIONS: ReadonlyMap<number, L4Action> = new Map([
  [security.Action.ALLOW, 'ALLOW'],
  [security.Action.DENY, 'DENY'],
]);

/**
 * Validates an Authorization received over xDS. Throws
 * AuthorizationRejectedError (for the NACK) instead of ever returning a policy
 * that lost a constraint.
 */
export function authorizationFromProto(msg: security.Authorization): L4Policy {
  const issues = new IssueList();
  issues.noUnknown(msg, '(authorization)');
  if (msg.name === '') issues.add('name', 'must not be empty');
  if (msg.namespace === '') issues.add('namespace', 'must not be empty');
  const scope = SCOPES.get(msg.scope);
  if (!scope)
    issues.add('scope', `${msg.scope} is not a Scope (0 GLOBAL, 1 NAMESPACE, 2 WORKLOAD_SELECTOR)`);
  const action = ACTIONS.get(msg.action);
  if (!action) issues.add('action', `${msg.action} is not an Action (0 ALLOW, 1 DENY)`);
  if (msg.extensions.length > 0) issues.add('extensions', 'policy extensions are not supported');

  const rules: L4Rule[] = msg.rules.map((rule, r) => {
    const rulePath = indexPath('rules', r);
    issues.noUnknown(rule, rulePath);
    const clauses: L4Clause[] = rule.clauses.map((clause, c) => {
      const clausePath = indexPath(fieldPath(rulePath, 'clauses'), c);
      issues.noUnknown(clause, clausePath);
      return {
        matches: clause.matches.map((m, i) =>
          readMatch(issues, m, indexPath(fieldPath(clausePath, 'matches'), i)),
        ),
      };
    });
    return { clauses };
  });

  const [first, ...rest] = issues.issues;
  if (first || !scope || !action) {
    throw new AuthorizationRejectedError(
      `${msg.namespace}/${msg.name}`,
      first ? [first, ...rest] : [{ path: '(authorization)', message: 'unreadable' }],
      scope,
      action,
      msg.dryRun,
    );
  }
  return { name: msg.name, namespace: msg.namespace, scope, action, dryRun: msg.dryRun, rules };
}

/**
 * What is known about an Authorization that was rejected: its xDS resource
 * name, and its scope, action and dry-run flag when they could be read.
 * AuthorizationRejectedError carries exactly this; a resource that could not
 * even be decoded has only its name.
 */
export interface RejectedAuthorization {
  /** The xDS resource name (`namespace/name` when istiod sent it). */
  readonly key: string;
  readonly scope?: L4Scope | undefined;
  readonly action?: L4Action | undefined;
  readonly dryRun?: boolean;
}

/**
 * What to enforce in place of a rejected Authorization until a good version
 * of its key arrives or the key is removed, so a NACK never opens access:
 *
 * - a DENY becomes deny-everything and an ALLOW allow-nothing, in the scope it
 *   names (and as dry-run as it says). Allow-nothing admits only what the other
 *   ALLOWs admit, a subset of what the policy meant;
 * - an unreadable action is treated as DENY (deny-everything);
 * - an unreadable scope is GLOBAL: a resource we cannot read may have been a
 *   mesh-wide policy (the resource name gives only a namespace, and a
 *   root-namespace policy applies everywhere), so the worst case — deny
 *   everywhere — is what we enforce. Workloads that list the key by name get it
 *   through their reference whatever its scope.
 *
 * The stand-in's namespace/name come from the key (split at the first `/`);
 * callers store it under the key itself.
 */
export function failClosedStandIn(rejected: RejectedAuthorization): L4Policy {
  const slash = rejected.key.indexOf('/');
  const namespace = slash < 0 ? '' : rejected.key.slice(0, slash);
  const name = slash < 0 ? rejected.key : rejected.key.slice(slash + 1);
  const action: L4Action = rejected.action ?? 'DENY';
  return {
    name,
    namespace,
    scope: rejected.scope ?? 'GLOBAL',
    action,
    // Only a readable, decoded resource can ask not to be enforced.
    dryRun:
      rejected.scope !== undefined && rejected.action !== undefined && rejected.dryRun === true,
    rules: action === 'DENY' ? [{ clauses: [] }] : [],
  };
}
