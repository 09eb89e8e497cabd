import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { security, workload } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { AuthorizationRejectedError } from './errors.js';
import { evaluateL4 } from './l4-evaluator.js';
import { authorizationFromProto, failClosedStandIn, l4PolicyToProto } from './l4-proto.js';

type MatchInit = MessageInitShape<typeof security.MatchSchema>;

/** Overrides are applied raw, so tests can set enum numbers no generated name covers. */
type Overrides = Partial<
  Omit<security.Authorization, '$typeName' | '$unknown' | 'scope' | 'action'> & {
    scope: number;
    action: number;
  }
>;

function authz(match: MatchInit, overrides: Overrides = {}): security.Authorization {
  const msg = create(security.AuthorizationSchema, {
    name: 'p',
    namespace: 'ns',
    scope: security.Scope.NAMESPACE,
    action: security.Action.ALLOW,
    rules: [{ clauses: [{ matches: [match] }] }],
  });
  return Object.assign(msg, overrides);
}

const extension = (name: string): workload.Extension => create(workload.ExtensionSchema, { name });

function rejection(msg: security.Authorization): AuthorizationRejectedError {
  try {
    authorizationFromProto(msg);
  } catch (err) {
    if (err instanceof AuthorizationRejectedError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

const V4 = new Uint8Array([10, 0, 0, 0]);

describe('authorizationFromProto accepts', () => {
  it('every field, as ztunnel reads it', () => {
    const policy = authorizationFromProto(
      authz({
        namespaces: [{ matchType: { case: 'exact', value: 'a' } }],
        notNamespaces: [{ matchType: { case: 'prefix', value: 'kube-' } }],
        principals: [{ matchType: { case: 'suffix', value: '/sa/x' } }],
        notPrincipals: [{ matchType: { case: 'presence', value: {} } }],
        serviceAccounts: [{ namespace: 'ns', serviceAccount: 'sa' }],
        sourceIps: [{ address: V4, length: 8 }],
        notDestinationIps: [{ address: new Uint8Array(16), length: 0 }],
        destinationPorts: [80, 65535],
        notDestinationPorts: [1],
      }),
    );
    expect(policy.rules[0]?.clauses[0]?.matches[0]).toMatchObject({
      namespaces: [{ kind: 'exact', value: 'a' }],
      notNamespaces: [{ kind: 'prefix', value: 'kube-' }],
      principals: [{ kind: 'suffix', value: '/sa/x' }],
      notPrincipals: [{ kind: 'presence' }],
      serviceAccounts: [{ namespace: 'ns', serviceAccount: 'sa' }],
      sourceIps: [{ family: 4, prefixLength: 8 }],
      notDestinationIps: [{ family: 6, prefixLength: 0 }],
      destinationPorts: [80, 65535],
      notDestinationPorts: [1],
    });
  });

  it('an empty match (it never matches) and a policy without rules', () => {
    expect(authorizationFromProto(authz({})).rules[0]?.clauses[0]?.matches).toHaveLength(1);
    expect(authorizationFromProto(authz({}, { rules: [] })).rules).toEqual([]);
  });

  it('what l4PolicyToProto produced, unchanged', () => {
    const policy = authorizationFromProto(
      authz(
        { sourceIps: [{ address: V4, length: 8 }], destinationPorts: [9080] },
        { dryRun: true },
      ),
    );
    expect(authorizationFromProto(l4PolicyToProto(policy))).toEqual(policy);
  });
});

describe('authorizationFromProto rejects what it cannot read exactly', () => {
  it.each<[string, security.Authorization, string, RegExp]>([
    [
      'an unset string match',
      authz({ principals: [{}] }),
      'rules[0].clauses[0].matches[0].principals[0]',
      /no match_type/,
    ],
    [
      'an empty exact value',
      authz({ namespaces: [{ matchType: { case: 'exact', value: '' } }] }),
      'rules[0].clauses[0].matches[0].namespaces[0]',
      /empty exact/,
    ],
    [
      'an empty prefix value',
      authz({ notPrincipals: [{ matchType: { case: 'prefix', value: '' } }] }),
      'rules[0].clauses[0].matches[0].notPrincipals[0]',
      /empty prefix/,
    ],
    [
      'a 5-byte address',
      authz({ sourceIps: [{ address: new Uint8Array(5), length: 8 }] }),
      'rules[0].clauses[0].matches[0].sourceIps[0]',
      /5 bytes/,
    ],
    [
      'an empty address',
      authz({ notSourceIps: [{ address: new Uint8Array(0), length: 0 }] }),
      'rules[0].clauses[0].matches[0].notSourceIps[0]',
      /0 bytes/,
    ],
    [
      'a /33 IPv4 prefix',
      authz({ destinationIps: [{ address: V4, length: 33 }] }),
      'rules[0].clauses[0].matches[0].destinationIps[0]',
      /longer than an IPv4/,
    ],
    [
      'a /129 IPv6 prefix',
      authz({ notDestinationIps: [{ address: new Uint8Array(16), length: 129 }] }),
      'rules[0].clauses[0].matches[0].notDestinationIps[0]',
      /longer than an IPv6/,
    ],
    [
      'port 0',
      authz({ destinationPorts: [0] }),
      'rules[0].clauses[0].matches[0].destinationPorts[0]',
      /not a port/,
    ],
    [
      'port 65536 (ztunnel would truncate it to 0)',
      authz({ notDestinationPorts: [80, 65616] }),
      'rules[0].clauses[0].matches[0].notDestinationPorts[1]',
      /not a port/,
    ],
    ['an unknown scope', authz({}, { scope: 7 }), 'scope', /not a Scope/],
    ['an unknown action', authz({}, { action: 2 }), 'action', /not an Action/],
    ['no name', authz({}, { name: '' }), 'name', /must not be empty/],
    ['no namespace', authz({}, { namespace: '' }), 'namespace', /must not be empty/],
    [
      'policy extensions',
      authz({}, { extensions: [extension('x')] }),
      'extensions',
      /not supported/,
    ],
    [
      'match extensions',
      authz({ destinationPorts: [80], extensions: [{ name: 'x' }] }),
      'rules[0].clauses[0].matches[0].extensions',
      /not supported/,
    ],
  ])('%s', (_name, msg, path, message) => {
    const err = rejection(msg);
    const issue = err.issues.find((i) => i.path === path);
    expect(issue, err.message).toBeDefined();
    expect(issue?.message).toMatch(message);
    expect(err.key).toBe(`${msg.namespace}/${msg.name}`);
  });

  it('a match carrying a field this proto does not know (from a newer istiod)', () => {
    // A Match with field 14 (varint 1) appended, wrapped by hand in Clause.matches (2) and
    // Rule.clauses (1), then appended to an Authorization as rules (5).
    const match = toBinary(
      security.MatchSchema,
      create(security.MatchSchema, { destinationPorts: [80] }),
    );
    const matchWithUnknown = new Uint8Array([...match, 0x70, 0x01]);
    const clause = new Uint8Array([0x12, matchWithUnknown.length, ...matchWithUnknown]);
    const rule = new Uint8Array([0x0a, clause.length, ...clause]);
    const header = toBinary(security.AuthorizationSchema, authz({}, { rules: [] }));
    const bytes = new Uint8Array([...header, 0x2a, rule.length, ...rule]);
    const err = rejection(fromBinary(security.AuthorizationSchema, bytes));
    expect(err.path).toBe('rules[0].clauses[0].matches[0]');
    expect(err.issues[0].message).toMatch(/unknown field/);
  });
});

describe('failClosedStandIn (a NACKed policy with no previous version)', () => {
  const anyConn = { sourceIp: '10.0.0.1', destinationIp: '10.0.0.2', destinationPort: 80 };

  it('turns a rejected DENY into deny-all in the same scope', () => {
    const err = rejection(
      authz(
        { sourceIps: [{ address: new Uint8Array(3), length: 8 }] },
        { action: security.Action.DENY },
      ),
    );
    const standIn = failClosedStandIn(err);
    expect(standIn).toMatchObject({
      name: 'p',
      namespace: 'ns',
      scope: 'NAMESPACE',
      action: 'DENY',
    });
    expect(evaluateL4([standIn], anyConn).allowed).toBe(false);
  });

  it('turns a rejected ALLOW into allow-nothing', () => {
    const standIn = failClosedStandIn(rejection(authz({ destinationPorts: [0] })));
    expect(standIn).toMatchObject({ action: 'ALLOW', rules: [] });
    expect(evaluateL4([standIn], anyConn)).toMatchObject({
      allowed: false,
      reason: 'allow policies exist, but none allowed',
    });
  });

  it('keeps a rejected dry-run policy dry-run', () => {
    const err = rejection(
      authz({ destinationPorts: [0] }, { action: security.Action.DENY, dryRun: true }),
    );
    const standIn = failClosedStandIn(err);
    expect(standIn.dryRun).toBe(true);
    expect(evaluateL4([standIn], anyConn).allowed).toBe(true);
  });

  it('denies everything in the scope when the action itself is unreadable', () => {
    const standIn = failClosedStandIn(rejection(authz({}, { action: 9, dryRun: true })));
    expect(standIn).toMatchObject({ scope: 'NAMESPACE', namespace: 'ns', action: 'DENY' });
    expect(standIn.dryRun).toBe(false);
    expect(evaluateL4([standIn], anyConn).allowed).toBe(false);
  });

  it('denies mesh-wide when the scope is unreadable (it may have been GLOBAL)', () => {
    const standIn = failClosedStandIn(rejection(authz({}, { scope: 7 })));
    expect(standIn).toMatchObject({ scope: 'GLOBAL', action: 'ALLOW', rules: [] });
    expect(evaluateL4([standIn], anyConn).allowed).toBe(false);
  });

  it('denies mesh-wide for a resource known only by its name', () => {
    for (const key of ['ns/undecodable', 'no-slash']) {
      const standIn = failClosedStandIn({ key });
      expect(standIn).toMatchObject({ scope: 'GLOBAL', action: 'DENY', dryRun: false });
      expect(evaluateL4([standIn], anyConn)).toMatchObject({ allowed: false });
    }
    expect(failClosedStandIn({ key: 'ns/undecodable' })).toMatchObject({
      namespace: 'ns',
      name: 'undecodable',
    });
  });
});
