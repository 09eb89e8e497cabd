// A parsed AuthorizationPolicy → ambient_ts.waypoint.v1.AuthorizationPolicy:
// every value already in matcher form; CUSTOM (no ext-authz here) enforced as
// DENY of what it would have sent to ext-authz; and for TCP listeners the
// HTTP-only parts stripped the way upstream does for TCP filter chains — an
// ALLOW rule using them is dropped, a DENY rule loses them. Nothing here ever
// widens what a policy allows.

import { create } from '@bufbuild/protobuf';
import type {
  AuthzCondition,
  AuthzOperation,
  AuthzPolicy,
  AuthzRule,
  AuthzSource,
} from '@ambient-ts/policy';
import { waypoint } from '@ambient-ts/xds-types';
import { parseCidrText } from '../ambient/ip.js';
import {
  escapeRegex,
  exactMatch,
  MATCH_NOTHING_REGEX,
  namespaceMatch,
  pathMatch,
  policyStringMatch,
  regexMatch,
} from './matchers.js';

export type ListenerProtocol = 'HTTP' | 'TCP';

const IP_KEYS = new Set(['source.ip', 'remote.ip', 'destination.ip']);
const STRING_KEYS = new Set(['source.namespace', 'source.principal', 'connection.sni']);

function cidr(bytes: Uint8Array, length: number): waypoint.Cidr {
  return create(waypoint.CidrSchema, { address: bytes, length });
}

function cidrs(
  blocks: readonly {
    readonly cidr: { readonly bytes: Uint8Array; readonly prefixLength: number };
  }[],
): waypoint.Cidr[] {
  return blocks.map((b) => cidr(b.cidr.bytes, b.cidr.prefixLength));
}

function serviceAccounts(
  values: readonly string[],
  policyNamespace: string,
): waypoint.ServiceAccount[] {
  return values.map((v) => {
    const slash = v.indexOf('/');
    return create(waypoint.ServiceAccountSchema, {
      namespace: slash < 0 ? policyNamespace : v.slice(0, slash),
      name: slash < 0 ? v : v.slice(slash + 1),
    });
  });
}

/**
 * principals ∧ trustDomains as one principal list: a principal must also start
 * with `<td>/`. Pairs that cannot both hold are dropped; if none remain, the
 * result matches nothing (an empty list would mean "any").
 */
function principalsWithin(
  principals: readonly string[],
  trustDomains: readonly string[],
): waypoint.StringMatch[] {
  if (trustDomains.length === 0) return principals.map((p) => policyStringMatch(p));
  if (principals.length === 0) return trustDomains.map((td) => policyStringMatch(`${td}/*`));
  const out: waypoint.StringMatch[] = [];
  for (const td of trustDomains) {
    const prefix = `${td}/`;
    for (const p of principals) {
      if (p === '*') out.push(policyStringMatch(`${prefix}*`));
      else if (p.startsWith('*'))
        out.push(regexMatch(`${escapeRegex(prefix)}.*${escapeRegex(p.slice(1))}`));
      else if (p.endsWith('*')) {
        const head = p.slice(0, -1);
        if (head.startsWith(prefix)) out.push(policyStringMatch(p));
        else if (prefix.startsWith(head)) out.push(policyStringMatch(`${prefix}*`));
      } else if (p.startsWith(prefix)) out.push(exactMatch(p));
    }
  }
  return out.length > 0 ? out : [regexMatch(MATCH_NOTHING_REGEX)];
}

function compileSource(src: AuthzSource, policyNamespace: string, tcp: boolean): waypoint.Source {
  return create(waypoint.SourceSchema, {
    principals: principalsWithin(src.principals, src.trustDomains),
    notPrincipals: [
      ...src.notPrincipals.map((p) => policyStringMatch(p)),
      ...src.notTrustDomains.map((td) => policyStringMatch(`${td}/*`)),
    ],
    requestPrincipals: tcp ? [] : src.requestPrincipals.map((p) => policyStringMatch(p)),
    notRequestPrincipals: tcp ? [] : src.notRequestPrincipals.map((p) => policyStringMatch(p)),
    namespaces: src.namespaces.map(namespaceMatch),
    notNamespaces: src.notNamespaces.map(namespaceMatch),
    ipBlocks: cidrs(src.ipBlocks),
    notIpBlocks: cidrs(src.notIpBlocks),
    remoteIpBlocks: tcp ? [] : cidrs(src.remoteIpBlocks),
    notRemoteIpBlocks: tcp ? [] : cidrs(src.notRemoteIpBlocks),
    serviceAccounts: serviceAccounts(src.serviceAccounts, policyNamespace),
    notServiceAccounts: serviceAccounts(src.notServiceAccounts, policyNamespace),
  });
}

function compileOperation(op: AuthzOperation, tcp: boolean): waypoint.Operation {
  return create(waypoint.OperationSchema, {
    hosts: tcp ? [] : op.hosts.map((h) => policyStringMatch(h.toLowerCase(), true)),
    notHosts: tcp ? [] : op.notHosts.map((h) => policyStringMatch(h.toLowerCase(), true)),
    ports: op.ports.map((p) => p.port),
    notPorts: op.notPorts.map((p) => p.port),
    methods: tcp ? [] : op.methods.map((m) => policyStringMatch(m)),
    notMethods: tcp ? [] : op.notMethods.map((m) => policyStringMatch(m)),
    paths: tcp ? [] : op.paths.map(pathMatch),
    notPaths: tcp ? [] : op.notPaths.map(pathMatch),
  });
}

function ipCidrs(values: readonly string[]): waypoint.Cidr[] {
  return values.flatMap((v) => {
    const c = parseCidrText(v);
    return c ? [cidr(c.address, c.length ?? c.address.length * 8)] : [];
  });
}

/** A `when` condition, or undefined when the waypoint cannot evaluate its key. */
function compileCondition(c: AuthzCondition, tcp: boolean): waypoint.Condition | undefined {
  if (tcp && (c.key.startsWith('request.') || c.key === 'remote.ip')) return undefined;
  if (IP_KEYS.has(c.key)) {
    return create(waypoint.ConditionSchema, {
      key: c.key,
      ipValues: ipCidrs(c.values),
      notIpValues: ipCidrs(c.notValues),
    });
  }
  if (c.key === 'destination.port') {
    return create(waypoint.ConditionSchema, {
      key: c.key,
      portValues: c.values.map(Number),
      notPortValues: c.notValues.map(Number),
    });
  }
  const supported =
    STRING_KEYS.has(c.key) ||
    c.key.startsWith('request.headers[') ||
    c.key === 'request.auth.principal' ||
    c.key === 'request.auth.audiences' ||
    c.key === 'request.auth.presenter' ||
    c.key.startsWith('request.auth.claims[');
  if (!supported) return undefined;
  const key = c.key.startsWith('request.headers[') ? c.key.toLowerCase() : c.key;
  const match = c.key === 'source.namespace' ? namespaceMatch : (v: string) => policyStringMatch(v);
  return create(waypoint.ConditionSchema, {
    key,
    values: c.values.map(match),
    notValues: c.notValues.map(match),
  });
}

function usesHttp(rule: AuthzRule): boolean {
  return (
    rule.to.some(
      (o) =>
        o.hosts.length +
          o.notHosts.length +
          o.methods.length +
          o.notMethods.length +
          o.paths.length +
          o.notPaths.length >
        0,
    ) ||
    rule.from.some(
      (s) =>
        s.requestPrincipals.length +
          s.notRequestPrincipals.length +
          s.remoteIpBlocks.length +
          s.notRemoteIpBlocks.length >
        0,
    ) ||
    rule.when.some((w) => w.key.startsWith('request.') || w.key === 'remote.ip')
  );
}

function compileRule(
  rule: AuthzRule,
  policy: AuthzPolicy,
  deny: boolean,
  tcp: boolean,
): waypoint.Rule | undefined {
  if (!deny && tcp && usesHttp(rule)) return undefined;
  const when: waypoint.Condition[] = [];
  for (const c of rule.when) {
    const compiled = compileCondition(c, tcp);
    if (compiled) when.push(compiled);
    // A condition the waypoint cannot evaluate: an ALLOW rule that needs it can
    // never be satisfied; a DENY rule is enforced without it (denies more).
    else if (!deny) return undefined;
  }
  return create(waypoint.RuleSchema, {
    from: rule.from.map((s) => compileSource(s, policy.namespace, tcp)),
    to: rule.to.map((o) => compileOperation(o, tcp)),
    when,
  });
}

/** The waypoint form of a policy for one listener protocol. */
export function compileWaypointPolicy(
  policy: AuthzPolicy,
  protocol: ListenerProtocol,
): waypoint.AuthorizationPolicy {
  const deny = policy.action === 'DENY' || policy.action === 'CUSTOM';
  const action =
    policy.action === 'ALLOW'
      ? waypoint.Action.ALLOW
      : policy.action === 'AUDIT'
        ? waypoint.Action.AUDIT
        : waypoint.Action.DENY;
  const tcp = protocol === 'TCP';
  const rules: waypoint.Rule[] = [];
  for (const rule of policy.rules) {
    const compiled = compileRule(rule, policy, deny, tcp);
    if (compiled) rules.push(compiled);
  }
  return create(waypoint.AuthorizationPolicySchema, {
    name: policy.name,
    namespace: policy.namespace,
    action,
    rules,
    dryRun: policy.dryRun,
  });
}

/**
 * The stand-in for a targetRef policy that failed validation: a DENY (or an
 * unreadable action) denies everything, an ALLOW allows nothing, an AUDIT is
 * dropped (it never decides).
 */
export function failClosedWaypointPolicy(
  name: string,
  namespace: string,
  actionText: unknown,
): waypoint.AuthorizationPolicy | undefined {
  if (actionText === 'AUDIT') return undefined;
  const allow = actionText === undefined || actionText === null || actionText === 'ALLOW';
  return create(waypoint.AuthorizationPolicySchema, {
    name,
    namespace,
    action: allow ? waypoint.Action.ALLOW : waypoint.Action.DENY,
    rules: allow ? [] : [create(waypoint.RuleSchema, {})],
  });
}
