// ambient_ts.waypoint.v1.AuthorizationPolicy → L7Policy: what istiod's
// waypoint compiler emits (built here by hand, mirroring
// apps/istiod/src/l7/authz-compile.ts and matchers.ts), every rejection, and
// decisions through evaluateL7.

import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { waypoint } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import type { PeerIdentity } from './decision.js';
import { evaluateL7, type L7Request } from './l7-evaluator.js';
import type { L7Policy } from './l7-model.js';
import { L7PolicyRejectedError, l7PolicyFromProto } from './l7-proto.js';
import { MAX_REGEX_LENGTH } from './re2.js';

type PolicyInit = MessageInitShape<typeof waypoint.AuthorizationPolicySchema>;
type MatchInit = MessageInitShape<typeof waypoint.StringMatchSchema>;
type RuleInit = MessageInitShape<typeof waypoint.RuleSchema>;

/** An action number this reader does not know, as it arrives off the wire (proto3 enums are open). */
function withWireAction(init: PolicyInit, action: number): PolicyInit {
  const bytes = toBinary(waypoint.AuthorizationPolicySchema, policy(init));
  const tagged = new Uint8Array([...bytes, 0x18, action]); // field 3 (action), varint
  return fromBinary(waypoint.AuthorizationPolicySchema, tagged);
}

const exact = (value: string, ignoreCase = false): MatchInit => ({
  kind: { case: 'exact', value },
  ignoreCase,
});
const prefix = (value: string, ignoreCase = false): MatchInit => ({
  kind: { case: 'prefix', value },
  ignoreCase,
});
const suffix = (value: string, ignoreCase = false): MatchInit => ({
  kind: { case: 'suffix', value },
  ignoreCase,
});
const regex = (value: string): MatchInit => ({ kind: { case: 'regex', value } });
const presence: MatchInit = { kind: { case: 'presence', value: {} } };
const v4 = (a: number, b: number, c: number, d: number, length: number) => ({
  address: new Uint8Array([a, b, c, d]),
  length,
});

function policy(init: PolicyInit): waypoint.AuthorizationPolicy {
  return create(waypoint.AuthorizationPolicySchema, { name: 'p', namespace: 'backend', ...init });
}

function read(init: PolicyInit, protocol: 'HTTP' | 'TCP' = 'HTTP'): L7Policy {
  return l7PolicyFromProto(policy(init), protocol);
}

const WEB: PeerIdentity = {
  trustDomain: 'cluster.local',
  namespace: 'frontend',
  serviceAccount: 'web',
};
const REQUEST: L7Request = {
  sourceIdentity: WEB,
  sourceIp: '10.0.1.5',
  destinationIp: '10.96.0.10',
  destinationPort: 9080,
  method: 'GET',
  path: '/api/v1/items?limit=5',
  host: 'Reviews.backend.svc.cluster.local:9080',
  headers: { 'x-user': 'alice' },
};

describe('l7PolicyFromProto: what istiod emits', () => {
  it('reads every source field of a rule', () => {
    const p = read({
      action: waypoint.Action.ALLOW,
      rules: [
        {
          from: [
            {
              principals: [exact('cluster.local/ns/frontend/sa/web')],
              notPrincipals: [prefix('cluster.local/ns/evil/')],
              requestPrincipals: [exact('https://issuer/alice')],
              namespaces: [regex('front.*end')],
              notNamespaces: [exact('kube-system')],
              ipBlocks: [v4(10, 0, 0, 0, 8)],
              notIpBlocks: [v4(10, 0, 9, 9, 32)],
              remoteIpBlocks: [v4(192, 168, 0, 0, 16)],
              serviceAccounts: [{ namespace: 'frontend', name: 'web' }],
              notServiceAccounts: [{ namespace: 'frontend', name: 'old' }],
            },
          ],
        },
      ],
    });
    const src = p.rules[0]?.from[0];
    expect(p).toMatchObject({ name: 'p', namespace: 'backend', action: 'ALLOW', dryRun: false });
    expect(src?.principals).toEqual({
      values: [{ kind: 'exact', value: 'cluster.local/ns/frontend/sa/web' }],
      notValues: [{ kind: 'prefix', value: 'cluster.local/ns/evil/' }],
    });
    expect(src?.requestPrincipals.values).toEqual([
      { kind: 'exact', value: 'https://issuer/alice' },
    ]);
    expect(src?.namespaces.values[0]).toMatchObject({ kind: 'regex' });
    expect(src?.ipBlocks.values).toEqual([
      { family: 4, bytes: new Uint8Array([10, 0, 0, 0]), prefixLength: 8 },
    ]);
    expect(src?.remoteIpBlocks.values[0]?.prefixLength).toBe(16);
    expect(src?.serviceAccounts).toEqual({
      values: [{ namespace: 'frontend', serviceAccount: 'web' }],
      notValues: [{ namespace: 'frontend', serviceAccount: 'old' }],
    });
    expect(src?.trustDomains).toEqual({ values: [], notValues: [] });
  });

  it('reads hosts (lower-cased, case-insensitive), ports, methods and template paths', () => {
    const p = read({
      action: waypoint.Action.DENY,
      rules: [
        {
          to: [
            {
              hosts: [
                exact('reviews.backend.svc.cluster.local', true),
                suffix('.Example.COM', true),
              ],
              notHosts: [presence],
              ports: [9080],
              notPorts: [15021],
              methods: [exact('GET')],
              paths: [regex('/api/[^/]+/items'), prefix('/admin')],
            },
          ],
        },
      ],
    });
    const op = p.rules[0]?.to[0];
    expect(op?.hosts).toEqual({
      values: [
        { kind: 'exact', value: 'reviews.backend.svc.cluster.local' },
        { kind: 'suffix', value: '.example.com' },
      ],
      notValues: [{ kind: 'presence' }],
    });
    expect(op?.ports).toEqual({ values: [9080], notValues: [15021] });
    expect(op?.paths.values[1]).toEqual({ kind: 'prefix', value: '/admin' });
  });

  it('reads when conditions by key type', () => {
    const p = read({
      rules: [
        {
          when: [
            {
              key: 'source.ip',
              ipValues: [v4(10, 0, 0, 0, 8)],
              notIpValues: [v4(10, 0, 0, 1, 32)],
            },
            { key: 'destination.port', portValues: [9080], notPortValues: [9090] },
            { key: 'request.headers[x-user]', values: [exact('alice')] },
            { key: 'source.namespace', values: [exact('frontend')] },
            { key: 'request.auth.principal', notValues: [prefix('https://bad/')] },
            { key: 'request.auth.claims[org][team]', values: [exact('payments')] },
            { key: 'connection.sni', values: [suffix('.local')] },
          ],
        },
      ],
    });
    const when = p.rules[0]?.when ?? [];
    expect(when.map((c) => [c.text, c.condition.type])).toEqual([
      ['source.ip', 'ip'],
      ['destination.port', 'port'],
      ['request.headers[x-user]', 'string'],
      ['source.namespace', 'namespace'],
      ['request.auth.principal', 'requestPrincipal'],
      ['request.auth.claims[org][team]', 'string'],
      ['connection.sni', 'string'],
    ]);
    expect(when[0]?.key).toEqual({ kind: 'source.ip' });
    expect(when[2]?.key).toEqual({ kind: 'request.headers', header: 'x-user' });
  });

  it('keeps dry-run, AUDIT, and the fail-closed stand-ins (ALLOW nothing, DENY everything)', () => {
    expect(read({ action: waypoint.Action.AUDIT, dryRun: true })).toMatchObject({
      action: 'AUDIT',
      dryRun: true,
    });
    expect(read({ action: waypoint.Action.ALLOW, rules: [] }).rules).toEqual([]);
    expect(read({ action: waypoint.Action.DENY, rules: [{}] }).rules).toEqual([
      { from: [], to: [], when: [] },
    ]);
  });

  it('accepts a TCP policy that uses only connection attributes', () => {
    const p = read(
      {
        action: waypoint.Action.DENY,
        rules: [
          {
            from: [
              { principals: [exact('cluster.local/ns/a/sa/b')], ipBlocks: [v4(1, 2, 3, 4, 32)] },
            ],
            to: [{ ports: [3306] }],
            when: [
              { key: 'remote.ip', ipValues: [v4(1, 2, 3, 4, 32)] },
              { key: 'source.principal', values: [presence] },
            ],
          },
        ],
      },
      'TCP',
    );
    expect(p.rules[0]?.to[0]?.ports.values).toEqual([3306]);
  });
});

describe('l7PolicyFromProto: rejections name the field', () => {
  const cases: readonly {
    readonly name: string;
    readonly init: PolicyInit;
    readonly protocol?: 'HTTP' | 'TCP';
    readonly path: string;
    readonly message: RegExp;
  }[] = [
    {
      name: 'a StringMatch with no kind',
      init: { rules: [{ from: [{ principals: [{}] }] }] },
      path: 'rules[0].from[0].principals[0]',
      message: /no match kind/,
    },
    {
      name: 'a 5-byte address',
      init: { rules: [{ from: [{ ipBlocks: [{ address: new Uint8Array(5), length: 8 }] }] }] },
      path: 'rules[0].from[0].ip_blocks[0]',
      message: /5 bytes/,
    },
    {
      name: 'a prefix longer than the address',
      init: { rules: [{ when: [{ key: 'source.ip', notIpValues: [v4(1, 2, 3, 4, 33)] }] }] },
      path: 'rules[0].when[0].not_ip_values[0]',
      message: /prefix length 33/,
    },
    {
      name: 'an unknown action',
      init: withWireAction({}, 3),
      path: 'action',
      message: /3 is not an Action/,
    },
    {
      name: 'an unknown condition key',
      init: { rules: [{ when: [{ key: 'destination.labels[app]', values: [exact('x')] }] }] },
      path: 'rules[0].when[0].key',
      message: /destination.labels/,
    },
    {
      name: 'a key the waypoint cannot evaluate',
      init: { rules: [{ when: [{ key: 'source.serviceAccount', values: [exact('x')] }] }] },
      path: 'rules[0].when[0].key',
      message: /not a condition key the waypoint supports/,
    },
    {
      name: 'an experimental key',
      init: {
        rules: [{ when: [{ key: 'experimental.envoy.filters.a[b]', values: [exact('x')] }] }],
      },
      path: 'rules[0].when[0].key',
      message: /not a condition key/,
    },
    {
      name: 'string values on an ip key',
      init: { rules: [{ when: [{ key: 'destination.ip', values: [exact('10.0.0.1')] }] }] },
      path: 'rules[0].when[0].values',
      message: /not used with key "destination.ip"/,
    },
    {
      name: 'ports on a string key',
      init: { rules: [{ when: [{ key: 'connection.sni', notPortValues: [1] }] }] },
      path: 'rules[0].when[0].not_port_values',
      message: /not used/,
    },
    {
      name: 'an invalid regex',
      init: { rules: [{ to: [{ paths: [regex('/a(b')] }] }] },
      path: 'rules[0].to[0].paths[0]',
      message: /invalid RE2 regex/,
    },
    {
      name: 'a regex RE2 does not support (lookahead)',
      init: { rules: [{ from: [{ namespaces: [regex('(?=a)a')] }] }] },
      path: 'rules[0].from[0].namespaces[0]',
      message: /invalid RE2 regex/,
    },
    {
      name: 'a regex over the length cap',
      init: { rules: [{ to: [{ notMethods: [regex('a'.repeat(MAX_REGEX_LENGTH + 1))] }] }] },
      path: 'rules[0].to[0].not_methods[0]',
      message: /at most 1024/,
    },
    {
      name: 'port 0',
      init: { rules: [{ to: [{ ports: [0] }] }] },
      path: 'rules[0].to[0].ports[0]',
      message: /not a port/,
    },
    {
      name: 'a case-sensitive host',
      init: { rules: [{ to: [{ hosts: [exact('Reviews')] }] }] },
      path: 'rules[0].to[0].hosts[0]',
      message: /set ignore_case/,
    },
    {
      name: 'a regex host',
      init: { rules: [{ to: [{ notHosts: [regex('.*')] }] }] },
      path: 'rules[0].to[0].not_hosts[0]',
      message: /regex host/,
    },
    {
      name: 'a service account without a name',
      init: { rules: [{ from: [{ serviceAccounts: [{ namespace: 'a' }] }] }] },
      path: 'rules[0].from[0].service_accounts[0]',
      message: /must both be set/,
    },
    {
      name: 'an empty name',
      init: { name: '' },
      path: 'name',
      message: /must not be empty/,
    },
    ...(
      [
        ['hosts', { to: [{ hosts: [exact('a', true)] }] }, 'rules[0].to[0].hosts'],
        ['not_methods', { to: [{ notMethods: [exact('GET')] }] }, 'rules[0].to[0].not_methods'],
        ['paths', { to: [{ paths: [prefix('/')] }] }, 'rules[0].to[0].paths'],
        [
          'request_principals',
          { from: [{ requestPrincipals: [presence] }] },
          'rules[0].from[0].request_principals',
        ],
        [
          'remote_ip_blocks',
          { from: [{ notRemoteIpBlocks: [v4(1, 1, 1, 1, 32)] }] },
          'rules[0].from[0].not_remote_ip_blocks',
        ],
      ] satisfies [string, RuleInit, string][]
    ).map(([field, rule, path]) => ({
      name: `${field} on a TCP listener`,
      init: { rules: [rule] },
      protocol: 'TCP' as const,
      path,
      message: /HTTP attribute, but the listener is TCP/,
    })),
    {
      name: 'a request.* key on a TCP listener',
      init: { rules: [{ when: [{ key: 'request.headers[x]', values: [presence] }] }] },
      protocol: 'TCP',
      path: 'rules[0].when[0].key',
      message: /HTTP attribute/,
    },
  ];

  it.each(cases)('$name', ({ init, protocol, path, message }) => {
    let caught: unknown;
    try {
      read(init, protocol ?? 'HTTP');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(L7PolicyRejectedError);
    const err = caught as L7PolicyRejectedError;
    expect(err.path).toBe(path);
    expect(err.issues[0].message).toMatch(message);
    expect(err.message).toContain(`backend/${init.name ?? 'p'}:`);
  });

  it('lists every issue, not only the first', () => {
    expect(() => read(withWireAction({ rules: [{ to: [{ ports: [0, 70000] }] }] }, 9))).toThrow(
      /action: 9 is not an Action.*ports\[0\].*ports\[1\]: 70000/,
    );
  });
});

describe('l7PolicyFromProto: decisions through evaluateL7', () => {
  const allowWeb = policy({
    name: 'allow-web',
    action: waypoint.Action.ALLOW,
    rules: [{ from: [{ principals: [exact('cluster.local/ns/frontend/sa/web')] }] }],
  });
  const denyAdmin = policy({
    name: 'deny-admin',
    action: waypoint.Action.DENY,
    rules: [{ to: [{ paths: [prefix('/admin')] }] }],
  });
  const auditGets = policy({
    name: 'audit-gets',
    action: waypoint.Action.AUDIT,
    rules: [{ to: [{ methods: [exact('get', true)] }] }],
  });
  const dryDenyAll = policy({
    name: 'dry-deny',
    action: waypoint.Action.DENY,
    dryRun: true,
    rules: [{}],
  });
  const all = [allowWeb, denyAdmin, auditGets, dryDenyAll].map((p) => l7PolicyFromProto(p, 'HTTP'));

  it('DENY wins over ALLOW', () => {
    const d = evaluateL7(all, { ...REQUEST, path: '/admin/x' });
    expect(d).toMatchObject({ allowed: false, matchedPolicy: 'backend/deny-admin' });
  });

  it('ALLOW admits its principal, logs AUDIT matches (ignore_case method), reports the dry-run DENY', () => {
    const d = evaluateL7(all, REQUEST);
    expect(d).toMatchObject({ allowed: true, matchedPolicy: 'backend/allow-web' });
    expect(d.audited).toEqual(['backend/audit-gets']);
    expect(d.dryRun).toMatchObject({ allowed: false, matchedPolicy: 'backend/dry-deny' });
  });

  it('with ALLOW policies present, an unmatched peer is denied', () => {
    const other = { ...WEB, serviceAccount: 'other' };
    expect(evaluateL7(all, { ...REQUEST, sourceIdentity: other }).allowed).toBe(false);
  });

  it('regex principals (istiod’s trust-domain folding) match the whole principal only', () => {
    const p = l7PolicyFromProto(
      policy({
        action: waypoint.Action.ALLOW,
        rules: [{ from: [{ principals: [regex('cluster\\.local/.*/sa/web')] }] }],
      }),
      'HTTP',
    );
    expect(evaluateL7([p], REQUEST).allowed).toBe(true);
    const lookalike = { ...WEB, trustDomain: 'clusterXlocal' };
    expect(evaluateL7([p], { ...REQUEST, sourceIdentity: lookalike }).allowed).toBe(false);
    const longer = { ...WEB, serviceAccount: 'web2' };
    expect(evaluateL7([p], { ...REQUEST, sourceIdentity: longer }).allowed).toBe(false);
  });

  it('istiod’s match-nothing regex never matches, so such an ALLOW allows nothing', () => {
    const p = l7PolicyFromProto(
      policy({
        action: waypoint.Action.ALLOW,
        rules: [{ from: [{ principals: [regex('[^\\s\\S]')] }] }],
      }),
      'HTTP',
    );
    expect(evaluateL7([p], REQUEST).allowed).toBe(false);
  });

  it('hosts compare case-insensitively with or without the port', () => {
    const p = l7PolicyFromProto(
      policy({
        action: waypoint.Action.DENY,
        rules: [{ to: [{ hosts: [exact('reviews.backend.svc.cluster.local', true)] }] }],
      }),
      'HTTP',
    );
    expect(evaluateL7([p], REQUEST).allowed).toBe(false);
    expect(evaluateL7([p], { ...REQUEST, host: 'ratings' }).allowed).toBe(true);
  });

  it('ignore_case folds ASCII only', () => {
    const p = l7PolicyFromProto(
      policy({
        action: waypoint.Action.DENY,
        rules: [{ when: [{ key: 'request.headers[x-user]', values: [exact('kelvin', true)] }] }],
      }),
      'HTTP',
    );
    expect(evaluateL7([p], { ...REQUEST, headers: { 'x-user': 'KELVIN' } }).allowed).toBe(false);
    // U+212A KELVIN SIGN lower-cases to "k" in JavaScript, not in Envoy.
    expect(evaluateL7([p], { ...REQUEST, headers: { 'x-user': '\u212Aelvin' } }).allowed).toBe(
      true,
    );
  });

  it('a request principal is matched as one `iss/sub` string; without a JWT it is absent', () => {
    const p = l7PolicyFromProto(
      policy({
        action: waypoint.Action.ALLOW,
        rules: [{ from: [{ requestPrincipals: [exact('https://issuer/alice')] }] }],
      }),
      'HTTP',
    );
    expect(evaluateL7([p], REQUEST).allowed).toBe(false);
    const jwt = { jwtClaims: { iss: 'https://issuer', sub: 'alice' } };
    expect(evaluateL7([p], { ...REQUEST, ...jwt }).allowed).toBe(true);
  });

  it('a catastrophic-backtracking pattern runs in linear time', () => {
    const p = l7PolicyFromProto(
      policy({ action: waypoint.Action.DENY, rules: [{ to: [{ paths: [regex('/(a+)+b')] }] }] }),
      'HTTP',
    );
    const started = performance.now();
    const d = evaluateL7([p], { ...REQUEST, path: `/${'a'.repeat(50_000)}c` });
    expect(d.allowed).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
