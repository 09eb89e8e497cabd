// Fuzz: the L4 decision never widens when a policy set gains a constraint.
// For random policy sets and connections (small value domains, so matches are
// frequent), with every policy passed through the wire form ztunnel receives:
//  - adding any DENY policy never turns a denied connection into an allowed one;
//  - adding a clause (an ANDed condition) to a rule of an ALLOW policy, or a
//    not-value to one of its non-empty matches, never does either;
//  - the stand-in for a rejected policy never allows more than any readable
//    version of that policy would.
// (Adding a not-value to an *empty* match is excluded on purpose: an empty
// match never matches, as upstream, so it is not a constraint being tightened.)
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { security } from '@ambient-ts/xds-types';
import { fuzz, fuzzTimeoutMs } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PeerIdentity } from './decision.js';
import { AuthorizationRejectedError } from './errors.js';
import type { Cidr } from './ip.js';
import { evaluateL4, type L4Connection } from './l4-evaluator.js';
import { isEmptyMatch, type L4Clause, type L4Match, type L4Policy } from './l4-model.js';
import { authorizationFromProto, failClosedStandIn, l4PolicyToProto } from './l4-proto.js';
import type { StringMatcher } from './string-match.js';

const IPS = ['10.0.0.1', '10.0.0.2', '10.0.1.7', 'fd00::1'] as const;
const CIDRS: readonly Cidr[] = [
  { family: 4, bytes: Uint8Array.from([10, 0, 0, 0]), prefixLength: 24 },
  { family: 4, bytes: Uint8Array.from([10, 0, 0, 1]), prefixLength: 32 },
  { family: 4, bytes: Uint8Array.from([0, 0, 0, 0]), prefixLength: 0 },
  { family: 6, bytes: Uint8Array.from([0xfd, ...new Array<number>(15).fill(0)]), prefixLength: 8 },
];
const NAMES = ['a', 'b', 'ns-a'] as const;
const PORTS = [80, 443, 8080] as const;

const identity: fc.Arbitrary<PeerIdentity> = fc.record({
  trustDomain: fc.constant('cluster.local'),
  namespace: fc.constantFrom(...NAMES),
  serviceAccount: fc.constantFrom(...NAMES),
});
const connection: fc.Arbitrary<L4Connection> = fc.record(
  {
    sourceIdentity: identity,
    sourceIp: fc.constantFrom(...IPS),
    destinationIp: fc.constantFrom(...IPS),
    destinationPort: fc.constantFrom(...PORTS),
  },
  { requiredKeys: ['sourceIp', 'destinationIp', 'destinationPort'] },
);

const stringMatcher: fc.Arbitrary<StringMatcher> = fc.oneof(
  fc.constant<StringMatcher>({ kind: 'presence' }),
  fc.record({
    kind: fc.constantFrom('exact', 'prefix', 'suffix'),
    value: fc.constantFrom('a', 'b', 'ns-', 'cluster.local/ns/a/sa/b'),
  }),
);
const list = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(a, { maxLength: 2 });
const serviceAccount = fc.record({
  namespace: fc.constantFrom(...NAMES),
  serviceAccount: fc.constantFrom(...NAMES),
});
const cidr = fc.constantFrom(...CIDRS);
const port = fc.constantFrom(...PORTS);

const match: fc.Arbitrary<L4Match> = fc.record({
  namespaces: list(stringMatcher),
  notNamespaces: list(stringMatcher),
  principals: list(stringMatcher),
  notPrincipals: list(stringMatcher),
  serviceAccounts: list(serviceAccount),
  notServiceAccounts: list(serviceAccount),
  sourceIps: list(cidr),
  notSourceIps: list(cidr),
  destinationIps: list(cidr),
  notDestinationIps: list(cidr),
  destinationPorts: list(port),
  notDestinationPorts: list(port),
});
const clause: fc.Arbitrary<L4Clause> = fc.record({ matches: fc.array(match, { maxLength: 2 }) });

function policyArb(action?: 'ALLOW' | 'DENY'): fc.Arbitrary<L4Policy> {
  return fc.record({
    name: fc.constantFrom('p1', 'p2', 'p3'),
    namespace: fc.constantFrom(...NAMES),
    scope: fc.constantFrom('GLOBAL' as const, 'NAMESPACE' as const, 'WORKLOAD_SELECTOR' as const),
    action: action ? fc.constant(action) : fc.constantFrom('ALLOW' as const, 'DENY' as const),
    dryRun: fc.boolean(),
    rules: fc.array(fc.record({ clauses: fc.array(clause, { maxLength: 2 }) }), { maxLength: 2 }),
  });
}
const policySet = fc.array(policyArb(), { maxLength: 4 });

/** The policy as ztunnel holds it after istiod sent it: encoded, decoded, validated. */
function viaWire(p: L4Policy): L4Policy {
  const bytes = toBinary(security.AuthorizationSchema, l4PolicyToProto(p));
  return authorizationFromProto(fromBinary(security.AuthorizationSchema, bytes));
}
function allowed(policies: readonly L4Policy[], conn: L4Connection): boolean {
  return evaluateL4(policies.map(viaWire), conn).allowed;
}

/** One extra constraint for an ALLOW policy, at positions picked by the fuzzer. */
type Tightening =
  | { readonly kind: 'clause'; readonly rule: number; readonly clause: L4Clause }
  | { readonly kind: 'not-port'; readonly rule: number; readonly port: number }
  | { readonly kind: 'not-source'; readonly rule: number; readonly cidr: Cidr }
  | { readonly kind: 'not-principal'; readonly rule: number; readonly matcher: StringMatcher };
const tightening: fc.Arbitrary<Tightening> = fc.oneof(
  fc.record({ kind: fc.constant('clause' as const), rule: fc.nat(), clause }),
  fc.record({ kind: fc.constant('not-port' as const), rule: fc.nat(), port }),
  fc.record({ kind: fc.constant('not-source' as const), rule: fc.nat(), cidr }),
  fc.record({
    kind: fc.constant('not-principal' as const),
    rule: fc.nat(),
    matcher: stringMatcher,
  }),
);

function tighten(p: L4Policy, t: Tightening): L4Policy {
  if (p.rules.length === 0) return p;
  const at = t.rule % p.rules.length;
  const rules = p.rules.map((rule, i) => {
    if (i !== at) return rule;
    if (t.kind === 'clause') return { clauses: [...rule.clauses, t.clause] };
    const addNot = (m: L4Match): L4Match => {
      if (isEmptyMatch(m)) return m;
      if (t.kind === 'not-port')
        return { ...m, notDestinationPorts: [...m.notDestinationPorts, t.port] };
      if (t.kind === 'not-source') return { ...m, notSourceIps: [...m.notSourceIps, t.cidr] };
      return { ...m, notPrincipals: [...m.notPrincipals, t.matcher] };
    };
    return { clauses: rule.clauses.map((c) => ({ matches: c.matches.map(addNot) })) };
  });
  return { ...p, rules };
}

describe('L4 authorization never widens under an added constraint (fuzz)', () => {
  it(
    'adding a DENY policy never allows a connection that was denied',
    () =>
      fuzz(
        'policy: L4 + random DENY',
        fc.property(policySet, policyArb('DENY'), connection, (base, deny, conn) => {
          if (!allowed(base, conn)) expect(allowed([...base, deny], conn)).toBe(false);
        }),
      ),
    fuzzTimeoutMs(),
  );

  it(
    'tightening a rule of an ALLOW policy never allows a connection that was denied',
    () =>
      fuzz(
        'policy: L4 ALLOW + random condition',
        fc.property(
          policySet,
          policyArb('ALLOW'),
          tightening,
          connection,
          (rest, allow, t, conn) => {
            if (!allowed([...rest, allow], conn)) {
              expect(allowed([...rest, tighten(allow, t)], conn)).toBe(false);
            }
          },
        ),
      ),
    fuzzTimeoutMs(),
  );

  it(
    'the stand-in for a rejected policy allows no more than the policy itself would',
    () =>
      fuzz(
        'policy: rejected Authorization stand-in',
        fc.property(policySet, policyArb(), connection, (rest, p, conn) => {
          // The same policy with an unreadable port: rejected as a whole.
          const broken = l4PolicyToProto(p);
          broken.rules.push(
            create(security.RuleSchema, {
              clauses: [{ matches: [{ destinationPorts: [70000] }] }],
            }),
          );
          let err: unknown;
          try {
            authorizationFromProto(broken);
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(AuthorizationRejectedError);
          // Typed wide on purpose: older versions returned undefined for unreadable keys.
          const standIn: L4Policy | undefined = failClosedStandIn(
            err as AuthorizationRejectedError,
          );
          if (standIn === undefined) throw new Error('a readable policy got no stand-in');
          if (allowed([...rest, standIn], conn)) expect(allowed([...rest, p], conn)).toBe(true);
        }),
      ),
    fuzzTimeoutMs(),
  );
});
