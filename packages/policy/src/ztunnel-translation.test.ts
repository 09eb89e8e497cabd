import { fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { security } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { authorizationPolicy, yamlObjects } from '../test/fixtures.js';
import { PolicyValidationError } from './errors.js';
import { authorizationFromProto } from './l4-proto.js';
import { parseAuthorizationPolicy } from './parse-authorization-policy.js';
import {
  failClosedForZtunnel,
  translateForZtunnel,
  ztunnelAcceptedCondition,
  type TranslationResult,
  type ZtunnelTranslationOptions,
} from './ztunnel-translation.js';

/** base64 of a dotted-quad IPv4 address, as proto JSON renders bytes. */
const v4 = (ip: string): string => Buffer.from(ip.split('.').map(Number)).toString('base64');

function translateYaml(yaml: string, options?: ZtunnelTranslationOptions): TranslationResult {
  const [obj] = yamlObjects(yaml);
  return translateForZtunnel(parseAuthorizationPolicy(obj), options);
}

function wire(result: TranslationResult): unknown {
  if (!result.authorization) throw new Error('no authorization');
  return toJson(security.AuthorizationSchema, result.authorization);
}

const ACCEPTED = [{ reason: 'Accepted', message: 'attached to ztunnel' }];

describe('translateForZtunnel scope', () => {
  it('is NAMESPACE without selector, mapping principals, namespaces, ipBlocks and ports', () => {
    const result = translateYaml(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-frontend, namespace: bookinfo}
spec:
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/bookinfo/sa/productpage", "*"]
        notNamespaces: ["kube-*"]
        ipBlocks: ["10.0.0.0/8", "10.1.2.3"]
    to:
    - operation: {ports: ["9080"], notPorts: ["15000"]}
`);
    expect(wire(result)).toEqual({
      name: 'allow-frontend',
      namespace: 'bookinfo',
      scope: 'NAMESPACE',
      rules: [
        {
          clauses: [
            { matches: [{ destinationPorts: [9080], notDestinationPorts: [15000] }] },
            {
              matches: [
                {
                  principals: [
                    { exact: 'cluster.local/ns/bookinfo/sa/productpage' },
                    { presence: {} },
                  ],
                  notNamespaces: [{ prefix: 'kube-' }],
                  sourceIps: [
                    { address: v4('10.0.0.0'), length: 8 },
                    { address: v4('10.1.2.3'), length: 32 },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(result.status).toEqual(ACCEPTED);
    expect(ztunnelAcceptedCondition(result)).toEqual({
      type: 'ZtunnelAccepted',
      status: 'True',
      reason: 'Accepted',
      message: 'attached to ztunnel',
    });
  });

  it('is WORKLOAD_SELECTOR with a selector (even in the root namespace)', () => {
    const result = translateYaml(`
metadata: {name: deny-ns, namespace: istio-system}
spec:
  selector: {matchLabels: {app: reviews}}
  action: DENY
  rules:
  - from: [{source: {namespaces: ["*-test", "legacy"]}}]
`);
    expect(wire(result)).toEqual({
      name: 'deny-ns',
      namespace: 'istio-system',
      scope: 'WORKLOAD_SELECTOR',
      action: 'DENY',
      rules: [
        { clauses: [{ matches: [{ namespaces: [{ suffix: '-test' }, { exact: 'legacy' }] }] }] },
      ],
    });
  });

  it('is GLOBAL without selector in the root namespace, which is configurable', () => {
    const yaml = (ns: string): string => `
metadata: {name: mesh-wide, namespace: ${ns}}
spec: {action: ALLOW, rules: [{}]}
`;
    // GLOBAL is scope 0, which proto JSON leaves out.
    expect(wire(translateYaml(yaml('istio-system')))).toEqual({
      name: 'mesh-wide',
      namespace: 'istio-system',
      rules: [{}],
    });
    expect(translateYaml(yaml('istio-system')).authorization?.scope).toBe(security.Scope.GLOBAL);
    const custom = { rootNamespace: 'mesh-root' };
    expect(translateYaml(yaml('mesh-root'), custom).authorization?.scope).toBe(
      security.Scope.GLOBAL,
    );
    expect(translateYaml(yaml('istio-system'), custom).authorization?.scope).toBe(
      security.Scope.NAMESPACE,
    );
  });
});

describe('translateForZtunnel rules', () => {
  it('turns rules: [{}] into one rule without clauses (matches everything)', () => {
    const result = translateYaml(`
metadata: {name: deny-all, namespace: ns}
spec: {action: DENY, rules: [{}]}
`);
    expect(wire(result)).toEqual({
      name: 'deny-all',
      namespace: 'ns',
      scope: 'NAMESPACE',
      action: 'DENY',
      rules: [{}],
    });
  });

  it('turns spec: {} into an ALLOW without rules (allows nothing)', () => {
    const result = translateYaml(`
metadata: {name: allow-nothing, namespace: ns}
spec: {}
`);
    expect(wire(result)).toEqual({ name: 'allow-nothing', namespace: 'ns', scope: 'NAMESPACE' });
  });

  it('reads the four string-match forms', () => {
    const result = translateYaml(`
metadata: {name: forms, namespace: ns}
spec:
  rules:
  - from: [{source: {principals: ["*", "cluster.local/ns/a/*", "*/sa/b", "td/ns/c/sa/d", "a*b"]}}]
`);
    expect(wire(result)).toMatchObject({
      rules: [
        {
          clauses: [
            {
              matches: [
                {
                  principals: [
                    { presence: {} },
                    { prefix: 'cluster.local/ns/a/' },
                    { suffix: '/sa/b' },
                    { exact: 'td/ns/c/sa/d' },
                    { exact: 'a*b' },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('splits serviceAccounts into namespace and name, defaulting to the policy namespace', () => {
    const result = translateYaml(`
metadata: {name: sa, namespace: bookinfo}
spec:
  rules:
  - from: [{source: {serviceAccounts: ["reviews", "other/ratings"], notServiceAccounts: ["a.b"]}}]
`);
    expect(wire(result)).toMatchObject({
      rules: [
        {
          clauses: [
            {
              matches: [
                {
                  serviceAccounts: [
                    { namespace: 'bookinfo', serviceAccount: 'reviews' },
                    { namespace: 'other', serviceAccount: 'ratings' },
                  ],
                  notServiceAccounts: [{ namespace: 'bookinfo', serviceAccount: 'a.b' }],
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('keeps IPv6 ranges and host bits as written', () => {
    const result = translateYaml(`
metadata: {name: ips, namespace: ns}
spec:
  rules:
  - from: [{source: {notIpBlocks: ["2001:db8::/32", "10.1.2.3/8", "::ffff:10.0.0.1"]}}]
`);
    expect(wire(result)).toMatchObject({
      rules: [
        {
          clauses: [
            {
              matches: [
                {
                  notSourceIps: [
                    { address: 'IAENuAAAAAAAAAAAAAAAAA==', length: 32 },
                    { address: v4('10.1.2.3'), length: 8 },
                    { address: 'AAAAAAAAAAAAAP//CgAAAQ==', length: 128 },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it('gives every L4 when key its own clause, values positive and notValues negative', () => {
    const result = translateYaml(`
metadata: {name: conditions, namespace: ns}
spec:
  rules:
  - when:
    - {key: source.ip, values: ["10.0.0.1"], notValues: ["10.0.0.0/31"]}
    - {key: source.namespace, values: ["team-*"], notValues: ["team-x"]}
    - {key: source.principal, values: ["*"]}
    - {key: destination.ip, notValues: ["10.9.0.0/16"]}
    - {key: destination.port, values: ["8080", "8443"]}
`);
    expect(wire(result)).toEqual({
      name: 'conditions',
      namespace: 'ns',
      scope: 'NAMESPACE',
      rules: [
        {
          clauses: [
            {
              matches: [
                {
                  sourceIps: [{ address: v4('10.0.0.1'), length: 32 }],
                  notSourceIps: [{ address: v4('10.0.0.0'), length: 31 }],
                },
              ],
            },
            {
              matches: [
                { namespaces: [{ prefix: 'team-' }], notNamespaces: [{ exact: 'team-x' }] },
              ],
            },
            { matches: [{ principals: [{ presence: {} }] }] },
            { matches: [{ notDestinationIps: [{ address: v4('10.9.0.0'), length: 16 }] }] },
            { matches: [{ destinationPorts: [8080, 8443] }] },
          ],
        },
      ],
    });
  });

  it('ORs several from entries inside one clause and several to entries inside another', () => {
    const result = translateYaml(`
metadata: {name: ors, namespace: ns}
spec:
  rules:
  - from: [{source: {namespaces: [a]}}, {source: {namespaces: [b]}}]
    to: [{operation: {ports: ["1"]}}, {operation: {ports: ["2"]}}]
  - to: [{operation: {ports: ["3"]}}]
`);
    expect(wire(result)).toMatchObject({
      rules: [
        {
          clauses: [
            { matches: [{ destinationPorts: [1] }, { destinationPorts: [2] }] },
            { matches: [{ namespaces: [{ exact: 'a' }] }, { namespaces: [{ exact: 'b' }] }] },
          ],
        },
        { clauses: [{ matches: [{ destinationPorts: [3] }] }] },
      ],
    });
  });
});

const L7_PREFIX =
  'ztunnel does not support HTTP attributes (found: %s). In ambient mode you must use a waypoint proxy to enforce HTTP rules. ';
const l7Message = (found: string, tail: string): string => L7_PREFIX.replace('%s', found) + tail;
const ALLOW_TAIL =
  'Within an ALLOW policy, rules matching HTTP attributes are omitted. This will be more restrictive than requested.';
const DENY_MIXED_TAIL =
  'DENY policy with HTTP attributes is enforced without the HTTP rules. This will be more restrictive than requested.';
const DENY_NO_EFFECT_TAIL =
  'After omitting unsupported HTTP attributes, this DENY policy has no enforceable rules at ztunnel and will have no effect. Deploy a waypoint proxy and use a targetRef to enforce this policy.';

describe('translateForZtunnel with HTTP attributes', () => {
  it('drops ALLOW rules that use them, keeps the others, and says so', () => {
    const result = translateYaml(`
metadata: {name: mixed-allow, namespace: ns}
spec:
  rules:
  - to: [{operation: {methods: [GET], paths: ["/api/*"], ports: ["8080"]}}]
  - from: [{source: {namespaces: [frontend]}}]
`);
    expect(wire(result)).toEqual({
      name: 'mixed-allow',
      namespace: 'ns',
      scope: 'NAMESPACE',
      rules: [{ clauses: [{ matches: [{ namespaces: [{ exact: 'frontend' }] }] }] }],
    });
    expect(result.status).toEqual([
      { reason: 'UnsupportedValue', message: l7Message('methods, paths', ALLOW_TAIL) },
    ]);
    expect(ztunnelAcceptedCondition(result)?.status).toBe('True');
  });

  it('leaves an ALLOW whose every rule is HTTP with no rules (deny all it selects)', () => {
    const result = translateYaml(`
metadata: {name: http-allow, namespace: ns}
spec:
  selector: {matchLabels: {app: a}}
  rules:
  - from: [{source: {requestPrincipals: ["*"], remoteIpBlocks: ["1.2.3.4"]}}]
  - when: [{key: "request.headers[x-user]", values: [alice]}]
`);
    expect(wire(result)).toEqual({
      name: 'http-allow',
      namespace: 'ns',
      scope: 'WORKLOAD_SELECTOR',
    });
    expect(result.status[0]?.message).toBe(
      l7Message('remoteIpBlocks, request.headers[x-user], requestPrincipals', ALLOW_TAIL),
    );
  });

  it('lists every kind of HTTP attribute, sorted', () => {
    const result = translateYaml(`
metadata: {name: all-http, namespace: ns}
spec:
  rules:
  - from: [{source: {notRequestPrincipals: [a], notRemoteIpBlocks: ["1.1.1.1"], trustDomains: [td], notTrustDomains: [x]}}]
    to: [{operation: {hosts: [h], notHosts: [h], notMethods: [GET], notPaths: [/]}}]
    when: [{key: connection.sni, values: [x]}, {key: source.serviceAccount, values: [sa]}]
`);
    expect(result.status[0]?.message).toBe(
      l7Message(
        'connection.sni, hosts, notHosts, notMethods, notPaths, notRemoteIpBlocks, notRequestPrincipals, notTrustDomains, source.serviceAccount, trustDomains',
        ALLOW_TAIL,
      ),
    );
  });

  it('enforces a mixed DENY on its L4 part', () => {
    const result = translateYaml(`
metadata: {name: mixed-deny, namespace: ns}
spec:
  action: DENY
  rules:
  - from: [{source: {namespaces: [untrusted]}}]
    to: [{operation: {methods: [POST], ports: ["8080"]}}]
`);
    expect(wire(result)).toMatchObject({
      action: 'DENY',
      rules: [
        {
          clauses: [
            { matches: [{ destinationPorts: [8080] }] },
            { matches: [{ namespaces: [{ exact: 'untrusted' }] }] },
          ],
        },
      ],
    });
    expect(result.status[0]?.message).toBe(l7Message('methods', DENY_MIXED_TAIL));
  });

  it('fail-closed (default): a clause that was only HTTP holds for everything, so the DENY keeps its L4 part', () => {
    const result = translateYaml(`
metadata: {name: deny-from, namespace: ns}
spec:
  action: DENY
  rules:
  - from: [{source: {namespaces: [untrusted]}}]
    to: [{operation: {methods: [POST]}}]
`);
    expect(wire(result)).toMatchObject({
      rules: [{ clauses: [{ matches: [{ namespaces: [{ exact: 'untrusted' }] }] }] }],
    });
    expect(result.status[0]?.message).toBe(l7Message('methods', DENY_MIXED_TAIL));
  });

  it('fail-closed (default): an HTTP-only DENY denies everything in its scope', () => {
    const result = translateYaml(`
metadata: {name: deny-get, namespace: ns}
spec:
  action: DENY
  rules: [{to: [{operation: {methods: [GET]}}]}]
`);
    expect(wire(result)).toEqual({
      name: 'deny-get',
      namespace: 'ns',
      scope: 'NAMESPACE',
      action: 'DENY',
      rules: [{}],
    });
    expect(result.status[0]?.message).toBe(l7Message('methods', DENY_MIXED_TAIL));
  });

  it("upstream mode: sends istiod master's empty matches and reports an HTTP-only DENY as having no effect", () => {
    const yaml = `
metadata: {name: deny-get, namespace: ns}
spec:
  action: DENY
  rules: [{to: [{operation: {methods: [GET]}}], when: [{key: "request.headers[x]", values: [y]}]}]
`;
    const result = translateYaml(yaml, { httpDenyRules: 'upstream' });
    expect(wire(result)).toEqual({
      name: 'deny-get',
      namespace: 'ns',
      scope: 'NAMESPACE',
      action: 'DENY',
      rules: [{ clauses: [{ matches: [{}] }, { matches: [{}] }] }],
    });
    expect(result.status).toEqual([
      {
        reason: 'UnsupportedValue',
        message: l7Message('methods, request.headers[x]', DENY_NO_EFFECT_TAIL),
      },
    ]);
  });

  it('upstream mode: a DENY with one effective rule keeps the "enforced without" text', () => {
    const result = translateYaml(
      `
metadata: {name: d, namespace: ns}
spec:
  action: DENY
  rules:
  - to: [{operation: {methods: [GET]}}]
  - to: [{operation: {ports: ["22"], paths: [/x]}}]
`,
      { httpDenyRules: 'upstream' },
    );
    expect(result.status[0]?.message).toBe(l7Message('methods, paths', DENY_MIXED_TAIL));
  });
});

describe('translateForZtunnel leaves to others', () => {
  it('targetRef policies: nothing sent and no ztunnel status', () => {
    const result = translateYaml(`
metadata: {name: waypoint-policy, namespace: ns}
spec:
  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]
  rules: [{to: [{operation: {methods: [GET]}}]}]
`);
    expect(result).toEqual({ status: [], warnings: [] });
    expect(ztunnelAcceptedCondition(result)).toBeUndefined();
  });

  it.each(['CUSTOM', 'AUDIT'])("%s: not converted, with upstream's message", (action) => {
    const result = translateYaml(`
metadata: {name: p, namespace: ns}
spec: {action: ${action}, ${action === 'CUSTOM' ? 'provider: {name: ext},' : ''} rules: [{}]}
`);
    expect(result.authorization).toBeUndefined();
    expect(result.status).toEqual([
      { reason: 'UnsupportedValue', message: `ztunnel does not support the ${action} action` },
    ]);
    expect(ztunnelAcceptedCondition(result)?.status).toBe('False');
  });

  it('dry-run policies unless the feature is enabled', () => {
    const yaml = `
metadata: {name: trial, namespace: ns, annotations: {istio.io/dry-run: "true"}}
spec: {action: DENY, rules: [{}]}
`;
    expect(translateYaml(yaml)).toEqual({
      status: [
        {
          reason: 'UnsupportedValue',
          message:
            'found policy "ns/trial" using dry-run annotation, but support for ambient dry-run authorizationPolicies isn\'t enabled',
        },
      ],
      warnings: [],
    });
    expect(wire(translateYaml(yaml, { enableDryRun: true }))).toMatchObject({ dryRun: true });
  });
});

describe('translated policies on the wire', () => {
  it('survive binary encoding and the receiving-side validation unchanged', () => {
    const result = translateYaml(`
metadata: {name: roundtrip, namespace: ns}
spec:
  selector: {matchLabels: {app: a}}
  action: DENY
  rules:
  - from: [{source: {principals: ["a/*"], ipBlocks: ["fd00::/8"]}}, {source: {serviceAccounts: ["x"]}}]
    to: [{operation: {ports: ["1", "65535"]}}]
    when: [{key: destination.ip, values: ["10.0.0.0/24"]}]
`);
    const bytes = toBinary(security.AuthorizationSchema, result.authorization!);
    const decoded = fromBinary(security.AuthorizationSchema, bytes);
    expect(toJson(security.AuthorizationSchema, decoded)).toEqual(wire(result));
    const policy = authorizationFromProto(decoded);
    expect(policy).toMatchObject({ name: 'roundtrip', scope: 'WORKLOAD_SELECTOR', action: 'DENY' });
    expect(policy.rules[0]?.clauses.map((c) => c.matches.length)).toEqual([1, 2, 1]);
  });
});

describe('failClosedForZtunnel (an object that failed validation)', () => {
  function failClosed(obj: unknown): TranslationResult {
    try {
      parseAuthorizationPolicy(obj);
    } catch (err) {
      if (err instanceof PolicyValidationError) return failClosedForZtunnel(obj, err);
      throw err;
    }
    throw new Error('expected a validation error');
  }

  it('enforces a malformed DENY as deny-all in its scope', () => {
    const result = failClosed(
      authorizationPolicy({
        action: 'DENY',
        selector: { matchLabels: { app: 'a' } },
        rules: [{ from: [{ source: { ipBlocks: ['garbage'], namespaces: ['x'] } }] }],
      }),
    );
    expect(wire(result)).toEqual({
      name: 'policy',
      namespace: 'ns',
      scope: 'WORKLOAD_SELECTOR',
      action: 'DENY',
      rules: [{}],
    });
    expect(ztunnelAcceptedCondition(result)).toMatchObject({ status: 'True', reason: 'Invalid' });
    expect(result.status[0]?.message).toMatch(
      /"garbage" is not an IP address; enforced at ztunnel as deny-all/,
    );
  });

  it('enforces a malformed ALLOW as allow-nothing', () => {
    const result = failClosed(
      authorizationPolicy({ rules: [{ to: [{ operation: { ports: ['99999'] } }] }] }),
    );
    expect(wire(result)).toEqual({ name: 'policy', namespace: 'ns', scope: 'NAMESPACE' });
  });

  it('reads an unknown action as DENY', () => {
    expect(wire(failClosed(authorizationPolicy({ action: 'REJECT', rules: [{}] })))).toMatchObject({
      action: 'DENY',
      rules: [{}],
    });
  });

  it('sends nothing for targetRef policies or objects without a name', () => {
    expect(
      failClosed(authorizationPolicy({ targetRef: { kind: 'Pod', name: 'x' } })).authorization,
    ).toBeUndefined();
    const nameless = failClosed({ metadata: { namespace: 'ns' }, spec: { action: 'DENY' } });
    expect(nameless.authorization).toBeUndefined();
    expect(nameless.status[0]?.reason).toBe('Invalid');
  });
});
