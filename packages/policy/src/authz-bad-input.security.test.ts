// reliability.md §6 rows 8 (authz bad input), 9 (authz fail-closed) and 27
// (the regex length cap), against the real policy path: AuthorizationPolicy
// objects parsed and translated as istiod does, sent over the wire form and
// read back as ztunnel does (L4), or compiled and evaluated as the waypoint
// does (L7). Each attack records what the evaluator decided. The §6.8 rows
// moved here from the L4/L7 decision tables.
import { create } from '@bufbuild/protobuf';
import { waypoint } from '@ambient-ts/xds-types';
import { recordAttack } from '@ambient-ts/security-table';
import { describe, expect, it } from 'vitest';
import { yamlObjects, ztunnelPolicies } from '../test/fixtures.js';
import type { PeerIdentity } from './decision.js';
import { evaluateL4, type L4Connection } from './l4-evaluator.js';
import { parseL7Policy } from './l7-compile.js';
import { evaluateL7, type L7Request } from './l7-evaluator.js';
import { L7PolicyRejectedError, l7PolicyFromProto } from './l7-proto.js';

const BAD_INPUT = '§6.8 authz bad input';
const FAIL_CLOSED = '§6.9 authz fail-closed';
const REGEX = '§6.27 control-plane input';

const WEB: PeerIdentity = {
  trustDomain: 'cluster.local',
  namespace: 'frontend',
  serviceAccount: 'web',
};
const BASE_CONN: L4Connection = {
  sourceIdentity: WEB,
  sourceIp: '10.0.1.5',
  destinationIp: '10.0.2.7',
  destinationPort: 9080,
};
const BASE_REQUEST: L7Request = {
  sourceIdentity: WEB,
  sourceIp: '10.0.1.5',
  destinationIp: '10.96.0.10',
  destinationPort: 9080,
  method: 'GET',
  path: '/api/v1/items?limit=5',
  host: 'reviews.backend.svc.cluster.local:9080',
  headers: { 'x-user': 'alice', 'User-Agent': 'curl/8' },
};

/** An L4 policy in namespace backend (the destination's). */
const l4 = (spec: string, name = 'p'): string =>
  `metadata: {name: ${name}, namespace: backend}\nspec: ${spec}\n---\n`;
/** A waypoint policy (targetRefs to the reviews Service) in namespace backend. */
const l7 = (spec: string): string =>
  `metadata: {name: p, namespace: backend}\nspec: {targetRefs: [{kind: Service, name: reviews}], ${spec}}\n---\n`;
const denyTo = (op: string): string => l7(`action: DENY, rules: [{to: [{operation: ${op}}]}]`);

const verdict = (allowed: boolean, reason: string): string =>
  `${allowed ? 'allowed' : 'denied'} (${reason})`;

describe('§6 row 8: bad input never bypasses a policy', () => {
  it('serviceAccounts compare literally (a.b is not aXb)', () => {
    const yaml = l4('{rules: [{from: [{source: {serviceAccounts: [frontend/w.b]}}]}]}');
    const decision = evaluateL4(ztunnelPolicies(yaml), {
      ...BASE_CONN,
      sourceIdentity: { ...WEB, serviceAccount: 'wXb' },
    });
    expect(decision.allowed).toBe(false);
    recordAttack({
      finding: BAD_INPUT,
      attack: 'service account pattern bypass (L4)',
      sent: 'ALLOW serviceAccounts [frontend/w.b]; caller frontend/wXb',
      happened: verdict(decision.allowed, decision.reason),
    });
  });

  it.each<[string, string, Partial<L7Request>, string]>([
    [
      'hosts compare case-insensitively (CVE-2021-39155)',
      denyTo('{hosts: [secret.com]}'),
      { host: 'Secret.COM' },
      'DENY hosts [secret.com]; Host: Secret.COM',
    ],
    [
      'a fragment is stripped (CVE-2021-39156)',
      denyTo('{paths: [/user/profile]}'),
      { path: '/user/profile#x' },
      'DENY paths [/user/profile]; GET /user/profile#x',
    ],
    [
      'a DENY also sees the merged-slashes reading',
      denyTo('{paths: ["/admin*"]}'),
      { path: '//admin' },
      'DENY paths [/admin*]; GET //admin',
    ],
    [
      'a DENY also sees the %2F-decoded reading',
      denyTo('{paths: ["/admin/secret"]}'),
      { path: '/admin%2Fsecret' },
      'DENY paths [/admin/secret]; GET /admin%2Fsecret',
    ],
    [
      'every value of a multi-valued header is checked on its own',
      l7('action: DENY, rules: [{when: [{key: "request.headers[x-user]", values: [mallory]}]}]'),
      { headers: { 'x-user': ['alice', 'mallory'] } },
      'DENY when x-user = mallory; x-user: alice, x-user: mallory',
    ],
  ])('%s', (name, policies, request, sent) => {
    const decision = evaluateL7(yamlObjects(policies).map(parseL7Policy), {
      ...BASE_REQUEST,
      ...request,
    });
    expect(decision.allowed).toBe(false);
    recordAttack({
      finding: BAD_INPUT,
      attack: name,
      sent,
      happened: verdict(decision.allowed, decision.reason),
    });
  });
});

describe('§6 row 9: HTTP-only policies attached to ztunnel fail closed', () => {
  it.each<[string, string]>([
    [
      'an ALLOW with only HTTP fields at L4',
      l4('{selector: {matchLabels: {app: a}}, rules: [{to: [{operation: {methods: [GET]}}]}]}'),
    ],
    [
      'a DENY with only HTTP fields at L4',
      l4('{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}'),
    ],
  ])('%s denies the connection', (name, yaml) => {
    const policies = ztunnelPolicies(yaml);
    const decision = evaluateL4(policies, BASE_CONN);
    expect(decision.allowed).toBe(false);
    recordAttack({
      finding: FAIL_CLOSED,
      attack: name,
      sent: yaml.split('\n')[1]?.replace('spec: ', '') ?? yaml,
      happened: `ztunnel enforces ${policies.map((p) => `${p.action} with ${p.rules.length} rule(s)`).join(', ')}; a TCP connection ${verdict(decision.allowed, decision.reason)}`,
    });
  });
});

describe('§6 row 27: regular expressions are capped', () => {
  it('a 10 kB regex in a waypoint policy is refused, not compiled', () => {
    const huge = `(a|aa)+${'b'.repeat(10 * 1024)}`;
    let refused: unknown;
    try {
      l7PolicyFromProto(
        create(waypoint.AuthorizationPolicySchema, {
          name: 'p',
          namespace: 'backend',
          rules: [{ to: [{ paths: [{ kind: { case: 'regex', value: huge } }] }] }],
        }),
        'HTTP',
      );
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(L7PolicyRejectedError);
    const message = (refused as Error).message;
    expect(message).toMatch(/at most 1024/);
    recordAttack({
      finding: REGEX,
      attack: 'user regex of 10 kB',
      sent: `waypoint AuthorizationPolicy paths regex of ${huge.length} bytes`,
      happened: `rejected: ${message.replace(/\(a\|aa\)\+b+/, '<regex>').slice(0, 120)}`,
    });
  });
});
