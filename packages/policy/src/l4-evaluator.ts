// ztunnel's L4 authorization: which policies apply to a destination workload,
// and the decision for one inbound connection (DENY first, then ALLOW).

import { principalOf, type Decision, type PeerIdentity, type Verdict } from './decision.js';
import { InvalidEvaluationInputError } from './errors.js';
import { cidrContains, parseIpAddress, type IpAddress } from './ip.js';
import { isEmptyMatch, policyKey, type L4Match, type L4Policy } from './l4-model.js';
import { matchesString } from './string-match.js';

export interface L4Connection {
  /** The peer's identity from mTLS; undefined for plaintext (inbound on 15006). */
  readonly sourceIdentity?: PeerIdentity;
  readonly sourceIp: string;
  readonly destinationIp: string;
  /** The final target port of the workload, never the HBONE port 15008. */
  readonly destinationPort: number;
}

export interface L4EvaluationOptions {
  /**
   * Policy keys the destination workload lists but the proxy has not received
   * (or rejected without a stand-in). Upstream skips them; passing them here
   * denies the connection instead, so a DENY in flight cannot be bypassed.
   */
  readonly missingPolicies?: readonly string[];
}

interface PreparedConnection {
  readonly identity?: PeerIdentity;
  /** spiffe://-stripped principal, "" without identity. */
  readonly principal: string;
  /** Peer namespace, "" without identity. */
  readonly namespace: string;
  readonly sourceIp: IpAddress;
  readonly destinationIp: IpAddress;
  readonly destinationPort: number;
}

function prepare(conn: L4Connection): PreparedConnection {
  const sourceIp = parseIpAddress(conn.sourceIp);
  if (!sourceIp)
    throw new InvalidEvaluationInputError('sourceIp', `"${conn.sourceIp}" is not an IP address`);
  const destinationIp = parseIpAddress(conn.destinationIp);
  if (!destinationIp) {
    throw new InvalidEvaluationInputError(
      'destinationIp',
      `"${conn.destinationIp}" is not an IP address`,
    );
  }
  const port = conn.destinationPort;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidEvaluationInputError('destinationPort', `${port} is not a port`);
  }
  const id = conn.sourceIdentity;
  return {
    ...(id && { identity: id }),
    principal: id ? principalOf(id) : '',
    namespace: id?.namespace ?? '',
    sourceIp,
    destinationIp,
    destinationPort: port,
  };
}

/** Positive values: any may match (none given = no constraint). Negative values: none may match. */
function field<T>(
  positive: readonly T[],
  negative: readonly T[],
  test: (v: T) => boolean,
): boolean {
  return (positive.length === 0 || positive.some(test)) && !negative.some(test);
}

function matchHolds(m: L4Match, c: PreparedConnection): boolean {
  return (
    field(m.destinationIps, m.notDestinationIps, (r) => cidrContains(r, c.destinationIp)) &&
    field(m.sourceIps, m.notSourceIps, (r) => cidrContains(r, c.sourceIp)) &&
    field(m.destinationPorts, m.notDestinationPorts, (p) => p === c.destinationPort) &&
    field(
      m.serviceAccounts,
      m.notServiceAccounts,
      (s) =>
        c.identity !== undefined &&
        s.namespace === c.identity.namespace &&
        s.serviceAccount === c.identity.serviceAccount,
    ) &&
    // Without an identity there is no principal: no principal value can match.
    field(
      m.principals,
      m.notPrincipals,
      (s) => c.identity !== undefined && matchesString(s, c.principal),
    ) &&
    field(m.namespaces, m.notNamespaces, (s) => matchesString(s, c.namespace))
  );
}

function policyMatches(policy: L4Policy, c: PreparedConnection): boolean {
  // No rules: never matches. A rule holds when all its clauses hold; a clause
  // with no matches holds; an empty match never holds.
  return policy.rules.some((rule) =>
    rule.clauses.every(
      (clause) =>
        clause.matches.length === 0 ||
        clause.matches.some((m) => !isEmptyMatch(m) && matchHolds(m, c)),
    ),
  );
}

/** Whether `policy` matches the connection (for re-checking live connections after a push). */
export function l4PolicyMatches(policy: L4Policy, conn: L4Connection): boolean {
  return policyMatches(policy, prepare(conn));
}

function decide(policies: readonly L4Policy[], c: PreparedConnection): Verdict {
  for (const p of policies) {
    if (p.action === 'DENY' && policyMatches(p, c)) {
      return {
        allowed: false,
        reason: `explicitly denied by: ${policyKey(p)}`,
        matchedPolicy: policyKey(p),
      };
    }
  }
  const allows = policies.filter((p) => p.action === 'ALLOW');
  if (allows.length === 0) return { allowed: true, reason: 'no allow policies' };
  const allow = allows.find((p) => policyMatches(p, c));
  if (allow)
    return {
      allowed: true,
      reason: `allowed by: ${policyKey(allow)}`,
      matchedPolicy: policyKey(allow),
    };
  return { allowed: false, reason: 'allow policies exist, but none allowed' };
}

/**
 * The L4 decision for one connection, given the policies that apply to the
 * destination workload (selectL4Policies): any matching DENY denies; with no
 * ALLOW the connection is allowed; otherwise an ALLOW must match. Dry-run
 * policies only feed `dryRun`.
 */
export function evaluateL4(
  policies: readonly L4Policy[],
  conn: L4Connection,
  options: L4EvaluationOptions = {},
): Decision {
  const c = prepare(conn);
  const [missing] = options.missingPolicies ?? [];
  const verdict: Verdict =
    missing !== undefined
      ? {
          allowed: false,
          reason: `policy ${missing} is referenced by the workload but has not been received`,
        }
      : decide(
          policies.filter((p) => !p.dryRun),
          c,
        );
  if (!policies.some((p) => p.dryRun)) return verdict;
  return { ...verdict, dryRun: decide(policies, c) };
}

export interface PolicySelection {
  readonly policies: readonly L4Policy[];
  /** Keys the workload lists that are not in the store. */
  readonly missing: readonly string[];
}

/**
 * The policies ztunnel applies to a destination workload: NAMESPACE policies
 * of its namespace, every GLOBAL policy, and the keys the workload lists
 * (WORKLOAD_SELECTOR policies are only ever reached through that list).
 */
export function selectL4Policies(
  all: Iterable<L4Policy>,
  workload: { readonly namespace: string; readonly authorizationPolicies: readonly string[] },
): PolicySelection {
  const byKey = new Map<string, L4Policy>();
  for (const p of all) byKey.set(policyKey(p), p);
  const selected = new Map<string, L4Policy>();
  for (const [key, p] of byKey) {
    if (p.scope === 'GLOBAL' || (p.scope === 'NAMESPACE' && p.namespace === workload.namespace)) {
      selected.set(key, p);
    }
  }
  const missing: string[] = [];
  for (const key of workload.authorizationPolicies) {
    const p = byKey.get(key);
    if (p) selected.set(key, p);
    else missing.push(key);
  }
  return { policies: [...selected.values()], missing };
}
