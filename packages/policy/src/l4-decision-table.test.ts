// The L4 decision table: AuthorizationPolicy YAML through the whole path a
// policy takes in the mesh — parse and validate (istiod), translate, encode,
// decode, validate (ztunnel), evaluate — against one connection each.

import { describe, expect, it } from 'vitest';
import { ztunnelPolicies } from '../test/fixtures.js';
import type { PeerIdentity } from './decision.js';
import { evaluateL4, type L4Connection } from './l4-evaluator.js';
import { authorizationFromProto } from './l4-proto.js';
import { staticStrictAuthorization } from './peer-authentication-conversion.js';
import type { ZtunnelTranslationOptions } from './ztunnel-translation.js';

const WEB: PeerIdentity = {
  trustDomain: 'cluster.local',
  namespace: 'frontend',
  serviceAccount: 'web',
};

/** mTLS from frontend/web at 10.0.1.5 to 10.0.2.7:9080, unless the case says otherwise. */
const BASE_CONN: L4Connection = {
  sourceIdentity: WEB,
  sourceIp: '10.0.1.5',
  destinationIp: '10.0.2.7',
  destinationPort: 9080,
};
const PLAINTEXT = { sourceIdentity: undefined };

/** A policy in namespace `backend` (the destination's) unless the YAML names another. */
const ap = (spec: string, name = 'p', namespace = 'backend'): string =>
  `metadata: {name: ${name}, namespace: ${namespace}}\nspec: ${spec}\n---\n`;

interface Row {
  readonly name: string;
  readonly policies: string;
  readonly conn?: Partial<L4Connection>;
  readonly allowed: boolean;
  readonly reason?: string;
  readonly options?: ZtunnelTranslationOptions;
}

const ROWS: readonly Row[] = [
  // ordering and empty forms
  { name: 'no policy allows', policies: '', allowed: true, reason: 'no allow policies' },
  {
    name: 'spec: {} (ALLOW nothing) denies all',
    policies: ap('{}'),
    allowed: false,
    reason: 'allow policies exist, but none allowed',
  },
  {
    name: 'ALLOW rules: [{}] allows all',
    policies: ap('{rules: [{}]}'),
    allowed: true,
    reason: 'allowed by: backend/p',
  },
  {
    name: 'DENY rules: [{}] denies all',
    policies: ap('{action: DENY, rules: [{}]}'),
    allowed: false,
    reason: 'explicitly denied by: backend/p',
  },
  {
    name: 'DENY wins over a matching ALLOW',
    policies: ap('{rules: [{}]}', 'a') + ap('{action: DENY, rules: [{}]}', 'd'),
    allowed: false,
    reason: 'explicitly denied by: backend/d',
  },
  {
    name: 'one matching ALLOW among several is enough',
    policies:
      ap('{rules: [{from: [{source: {namespaces: [x]}}]}]}', 'a1') +
      ap('{rules: [{from: [{source: {namespaces: [frontend]}}]}]}', 'a2'),
    allowed: true,
    reason: 'allowed by: backend/a2',
  },
  {
    name: 'a DENY that does not match leaves the ALLOW decision',
    policies:
      ap('{action: DENY, rules: [{to: [{operation: {ports: ["22"]}}]}]}', 'd') +
      ap('{rules: [{}]}', 'a'),
    allowed: true,
  },
  // principals
  {
    name: 'principals exact',
    policies: ap('{rules: [{from: [{source: {principals: [cluster.local/ns/frontend/sa/web]}}]}]}'),
    allowed: true,
  },
  {
    name: 'principals exact, other SA',
    policies: ap('{rules: [{from: [{source: {principals: [cluster.local/ns/frontend/sa/api]}}]}]}'),
    allowed: false,
  },
  {
    name: 'principals prefix',
    policies: ap('{rules: [{from: [{source: {principals: ["cluster.local/ns/frontend/*"]}}]}]}'),
    allowed: true,
  },
  {
    name: 'principals suffix',
    policies: ap('{rules: [{from: [{source: {principals: ["*/sa/web"]}}]}]}'),
    allowed: true,
  },
  {
    name: 'principals presence with mTLS',
    policies: ap('{rules: [{from: [{source: {principals: ["*"]}}]}]}'),
    allowed: true,
  },
  {
    name: 'principals presence, plaintext',
    policies: ap('{rules: [{from: [{source: {principals: ["*"]}}]}]}'),
    conn: PLAINTEXT,
    allowed: false,
  },
  {
    name: 'principals compare without spiffe:// (a spiffe:// value never matches)',
    policies: ap(
      '{rules: [{from: [{source: {principals: ["spiffe://cluster.local/ns/frontend/sa/web"]}}]}]}',
    ),
    allowed: false,
  },
  {
    name: 'principals in another trust domain',
    policies: ap('{rules: [{from: [{source: {principals: [other.td/ns/frontend/sa/web]}}]}]}'),
    allowed: false,
  },
  {
    name: 'notPrincipals presence DENY denies plaintext',
    policies: ap('{action: DENY, rules: [{from: [{source: {notPrincipals: ["*"]}}]}]}'),
    conn: PLAINTEXT,
    allowed: false,
  },
  {
    name: 'notPrincipals presence DENY lets mTLS through',
    policies: ap('{action: DENY, rules: [{from: [{source: {notPrincipals: ["*"]}}]}]}'),
    allowed: true,
  },
  {
    name: 'notPrincipals excluding the caller',
    policies: ap(
      '{rules: [{from: [{source: {notPrincipals: [cluster.local/ns/frontend/sa/web]}}]}]}',
    ),
    allowed: false,
  },
  // namespaces
  {
    name: 'namespaces exact',
    policies: ap('{rules: [{from: [{source: {namespaces: [frontend]}}]}]}'),
    allowed: true,
  },
  {
    name: 'namespaces prefix',
    policies: ap('{rules: [{from: [{source: {namespaces: ["front*"]}}]}]}'),
    allowed: true,
  },
  {
    name: 'namespaces suffix',
    policies: ap('{rules: [{from: [{source: {namespaces: ["*end"]}}]}]}'),
    allowed: true,
  },
  {
    name: 'namespaces mismatch',
    policies: ap('{rules: [{from: [{source: {namespaces: [backend]}}]}]}'),
    allowed: false,
  },
  {
    name: 'notNamespaces excluding the caller',
    policies: ap('{rules: [{from: [{source: {notNamespaces: [frontend]}}]}]}'),
    allowed: false,
  },
  {
    name: 'namespaces presence, plaintext',
    policies: ap('{rules: [{from: [{source: {namespaces: ["*"]}}]}]}'),
    conn: PLAINTEXT,
    allowed: false,
  },
  {
    name: 'notNamespaces holds for plaintext (no namespace matches "")',
    policies: ap('{rules: [{from: [{source: {notNamespaces: [kube-system]}}]}]}'),
    conn: PLAINTEXT,
    allowed: true,
  },
  // service accounts
  {
    name: 'serviceAccounts ns/sa',
    policies: ap('{rules: [{from: [{source: {serviceAccounts: [frontend/web]}}]}]}'),
    allowed: true,
  },
  {
    name: 'serviceAccounts without namespace means the policy namespace',
    policies: ap('{rules: [{from: [{source: {serviceAccounts: [web]}}]}]}'),
    allowed: false,
  },
  {
    name: 'notServiceAccounts excluding the caller',
    policies: ap('{rules: [{from: [{source: {notServiceAccounts: [frontend/web]}}]}]}'),
    allowed: false,
  },
  {
    name: 'serviceAccounts, plaintext',
    policies: ap('{rules: [{from: [{source: {serviceAccounts: [frontend/web]}}]}]}'),
    conn: PLAINTEXT,
    allowed: false,
  },
  // IP blocks
  {
    name: 'ipBlocks CIDR',
    policies: ap('{rules: [{from: [{source: {ipBlocks: ["10.0.0.0/16"]}}]}]}'),
    allowed: true,
  },
  {
    name: 'ipBlocks single address',
    policies: ap('{rules: [{from: [{source: {ipBlocks: ["10.0.1.5"]}}]}]}'),
    allowed: true,
  },
  {
    name: 'ipBlocks mismatch',
    policies: ap('{rules: [{from: [{source: {ipBlocks: ["192.168.0.0/16"]}}]}]}'),
    allowed: false,
  },
  {
    name: 'notIpBlocks excluding the caller',
    policies: ap('{rules: [{from: [{source: {notIpBlocks: ["10.0.1.0/24"]}}]}]}'),
    allowed: false,
  },
  {
    name: 'ipBlocks match an IPv4 peer reported as ::ffff:',
    policies: ap('{rules: [{from: [{source: {ipBlocks: ["10.0.0.0/16"]}}]}]}'),
    conn: { sourceIp: '::ffff:10.0.1.5' },
    allowed: true,
  },
  {
    name: 'a DENY on an IPv4 address cannot be dodged with the ::ffff: form',
    policies: ap('{action: DENY, rules: [{from: [{source: {ipBlocks: ["10.0.1.5"]}}]}]}'),
    conn: { sourceIp: '::ffff:10.0.1.5' },
    allowed: false,
  },
  {
    name: 'ipBlocks IPv6',
    policies: ap('{rules: [{from: [{source: {ipBlocks: ["fd00::/8"]}}]}]}'),
    conn: { sourceIp: 'fd00::1:5', destinationIp: 'fd00::2:7' },
    allowed: true,
  },
  // ports
  {
    name: 'ports match the target port',
    policies: ap('{rules: [{to: [{operation: {ports: ["9080"]}}]}]}'),
    allowed: true,
  },
  {
    name: 'ports mismatch',
    policies: ap('{rules: [{to: [{operation: {ports: ["8080"]}}]}]}'),
    allowed: false,
  },
  {
    name: 'notPorts excluding the target port',
    policies: ap('{rules: [{to: [{operation: {notPorts: ["9080"]}}]}]}'),
    allowed: false,
  },
  {
    name: 'ports never see the HBONE port 15008',
    policies: ap('{rules: [{to: [{operation: {ports: ["15008"]}}]}]}'),
    allowed: false,
  },
  // when (L4 keys)
  {
    name: 'when source.ip values',
    policies: ap('{rules: [{when: [{key: source.ip, values: ["10.0.1.0/24"]}]}]}'),
    allowed: true,
  },
  {
    name: 'when source.ip notValues',
    policies: ap('{rules: [{when: [{key: source.ip, notValues: ["10.0.1.5"]}]}]}'),
    allowed: false,
  },
  {
    name: 'when source.namespace prefix',
    policies: ap('{rules: [{when: [{key: source.namespace, values: ["front*"]}]}]}'),
    allowed: true,
  },
  {
    name: 'when source.principal notValues',
    policies: ap('{rules: [{when: [{key: source.principal, notValues: ["*/sa/web"]}]}]}'),
    allowed: false,
  },
  {
    name: 'when destination.ip values',
    policies: ap('{rules: [{when: [{key: destination.ip, values: ["10.0.2.0/24"]}]}]}'),
    allowed: true,
  },
  {
    name: 'when destination.ip mismatch',
    policies: ap('{rules: [{when: [{key: destination.ip, values: ["10.0.3.0/24"]}]}]}'),
    allowed: false,
  },
  {
    name: 'when destination.port notValues',
    policies: ap('{rules: [{when: [{key: destination.port, notValues: ["9080"]}]}]}'),
    allowed: false,
  },
  {
    name: 'DENY when source.ip notValues denies outsiders',
    policies: ap('{action: DENY, rules: [{when: [{key: source.ip, notValues: ["10.0.0.0/8"]}]}]}'),
    conn: { sourceIp: '192.168.1.1' },
    allowed: false,
  },
  // combining
  {
    name: 'from and to are ANDed',
    policies: ap(
      '{rules: [{from: [{source: {namespaces: [frontend]}}], to: [{operation: {ports: ["8080"]}}]}]}',
    ),
    allowed: false,
  },
  {
    name: 'fields of one source are ANDed',
    policies: ap(
      '{rules: [{from: [{source: {namespaces: [frontend], ipBlocks: ["192.168.0.0/16"]}}]}]}',
    ),
    allowed: false,
  },
  {
    name: 'from entries are ORed',
    policies: ap(
      '{rules: [{from: [{source: {namespaces: [x]}}, {source: {ipBlocks: ["10.0.0.0/8"]}}]}]}',
    ),
    allowed: true,
  },
  {
    name: 'rules are ORed',
    policies: ap(
      '{rules: [{to: [{operation: {ports: ["1"]}}]}, {to: [{operation: {ports: ["9080"]}}]}]}',
    ),
    allowed: true,
  },
  {
    name: 'when conditions are ANDed',
    policies: ap(
      '{rules: [{when: [{key: source.namespace, values: [frontend]}, {key: destination.port, values: ["1"]}]}]}',
    ),
    allowed: false,
  },
  // HTTP attributes reaching ztunnel
  {
    name: 'ALLOW with only HTTP rules allows nothing',
    policies: ap('{rules: [{to: [{operation: {methods: [GET]}}]}]}'),
    allowed: false,
  },
  {
    name: 'ALLOW keeps its L4 rules when another rule is HTTP',
    policies: ap(
      '{rules: [{to: [{operation: {paths: [/api]}}]}, {from: [{source: {namespaces: [frontend]}}]}]}',
    ),
    allowed: true,
  },
  {
    name: 'ALLOW with requestPrincipals is dropped',
    policies: ap('{rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]}'),
    allowed: false,
  },
  {
    name: 'ALLOW with a header condition is dropped',
    policies: ap(
      '{rules: [{from: [{source: {namespaces: [frontend]}}], when: [{key: "request.headers[x]", values: [y]}]}]}',
    ),
    allowed: false,
  },
  {
    name: 'ALLOW with trustDomains is dropped',
    policies: ap('{rules: [{from: [{source: {trustDomains: [cluster.local]}}]}]}'),
    allowed: false,
  },
  {
    name: 'HTTP-only DENY denies everything (fail-closed)',
    policies: ap('{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}'),
    allowed: false,
    reason: 'explicitly denied by: backend/p',
  },
  {
    name: 'HTTP-only DENY has no effect in upstream mode',
    policies: ap('{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}'),
    options: { httpDenyRules: 'upstream' },
    allowed: true,
  },
  {
    name: 'DENY methods+ports is enforced on the port',
    policies: ap('{action: DENY, rules: [{to: [{operation: {methods: [GET], ports: ["9080"]}}]}]}'),
    allowed: false,
  },
  {
    name: 'DENY methods+ports leaves other ports alone',
    policies: ap('{action: DENY, rules: [{to: [{operation: {methods: [GET], ports: ["8080"]}}]}]}'),
    allowed: true,
  },
  {
    name: 'DENY from a namespace + HTTP to: enforced on the namespace',
    policies: ap(
      '{action: DENY, rules: [{from: [{source: {namespaces: [frontend]}}], to: [{operation: {paths: [/admin]}}]}]}',
    ),
    allowed: false,
  },
  {
    name: 'DENY from another namespace + HTTP to: not this caller',
    policies: ap(
      '{action: DENY, rules: [{from: [{source: {namespaces: [other]}}], to: [{operation: {paths: [/admin]}}]}]}',
    ),
    allowed: true,
  },
  {
    name: 'DENY with notHosts only denies everything',
    policies: ap('{action: DENY, rules: [{to: [{operation: {notHosts: [a.example]}}]}]}'),
    allowed: false,
  },
  {
    name: 'DENY remoteIpBlocks + ports is enforced on the port',
    policies: ap(
      '{action: DENY, rules: [{from: [{source: {remoteIpBlocks: ["1.2.3.4"]}}], to: [{operation: {ports: ["9080"]}}]}]}',
    ),
    allowed: false,
  },
  {
    name: 'DENY with trustDomains denies everything (fail-closed)',
    policies: ap('{action: DENY, rules: [{from: [{source: {notTrustDomains: [cluster.local]}}]}]}'),
    allowed: false,
  },
  // scopes and who receives what
  {
    name: 'a selector policy applies to the workloads given it',
    policies: ap(
      '{selector: {matchLabels: {app: reviews}}, rules: [{from: [{source: {namespaces: [x]}}]}]}',
    ),
    allowed: false,
  },
  {
    name: 'a GLOBAL DENY from the root namespace',
    policies: ap(
      '{action: DENY, rules: [{from: [{source: {namespaces: [frontend]}}]}]}',
      'mesh',
      'istio-system',
    ),
    allowed: false,
    reason: 'explicitly denied by: istio-system/mesh',
  },
  {
    name: 'targetRef policies never reach ztunnel',
    policies: ap(
      '{targetRefs: [{kind: Service, name: reviews}], rules: [{to: [{operation: {methods: [GET]}}]}]}',
    ),
    allowed: true,
    reason: 'no allow policies',
  },
  {
    name: 'CUSTOM never reaches ztunnel',
    policies: ap('{action: CUSTOM, provider: {name: ext}, rules: [{}]}'),
    allowed: true,
  },
  {
    name: 'AUDIT never reaches ztunnel',
    policies: ap('{action: AUDIT, rules: [{}]}'),
    allowed: true,
  },
];

describe('L4 decisions (istiod → wire → ztunnel)', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const policies = ztunnelPolicies(row.policies, row.options);
    const decision = evaluateL4(policies, { ...BASE_CONN, ...row.conn });
    expect(decision.allowed).toBe(row.allowed);
    if (row.reason) expect(decision.reason).toBe(row.reason);
  });
});

describe('L4 dry-run and PeerAuthentication', () => {
  const dryRunDeny = `
metadata: {name: trial, namespace: backend, annotations: {istio.io/dry-run: "true"}}
spec: {action: DENY, rules: [{}]}
`;

  it('a dry-run DENY is only reported', () => {
    const decision = evaluateL4(ztunnelPolicies(dryRunDeny, { enableDryRun: true }), BASE_CONN);
    expect(decision).toEqual({
      allowed: true,
      reason: 'no allow policies',
      dryRun: {
        allowed: false,
        reason: 'explicitly denied by: backend/trial',
        matchedPolicy: 'backend/trial',
      },
    });
  });

  it('a dry-run policy is not sent unless enabled', () => {
    expect(ztunnelPolicies(dryRunDeny)).toEqual([]);
  });

  it('STRICT denies plaintext and allows mTLS', () => {
    const strict = [authorizationFromProto(staticStrictAuthorization())];
    expect(evaluateL4(strict, { ...BASE_CONN, ...PLAINTEXT }).allowed).toBe(false);
    expect(evaluateL4(strict, BASE_CONN).allowed).toBe(true);
  });

  it('a referenced policy that has not arrived denies when the caller says so', () => {
    expect(evaluateL4([], BASE_CONN, { missingPolicies: ['backend/late'] })).toEqual({
      allowed: false,
      reason: 'policy backend/late is referenced by the workload but has not been received',
    });
  });
});
