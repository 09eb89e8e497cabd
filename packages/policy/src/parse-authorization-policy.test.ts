import { describe, expect, it } from 'vitest';
import { authorizationPolicy } from '../test/fixtures.js';
import { PolicyValidationError } from './errors.js';
import { HTTP_ONLY_DENY_WARNING, parseAuthorizationPolicy } from './parse-authorization-policy.js';

function rejection(obj: unknown): PolicyValidationError {
  try {
    parseAuthorizationPolicy(obj);
  } catch (err) {
    if (err instanceof PolicyValidationError) return err;
    throw err;
  }
  throw new Error('expected the policy to be rejected');
}

describe('parseAuthorizationPolicy accepts', () => {
  it('every field of a v1 policy, keeping string spellings and parsing ports and IP blocks', () => {
    const policy = parseAuthorizationPolicy(
      authorizationPolicy(
        {
          selector: { matchLabels: { app: 'reviews' } },
          action: 'DENY',
          rules: [
            {
              from: [
                {
                  source: {
                    principals: ['cluster.local/ns/a/sa/b'],
                    notPrincipals: ['*'],
                    requestPrincipals: ['iss/sub'],
                    notRequestPrincipals: ['iss/*'],
                    namespaces: ['team-*'],
                    notNamespaces: ['*-test'],
                    ipBlocks: ['10.0.0.0/8', '192.168.1.1'],
                    notIpBlocks: ['10.1.0.0/16'],
                    remoteIpBlocks: ['203.0.113.0/24'],
                    notRemoteIpBlocks: ['2001:db8::/32'],
                    trustDomains: ['cluster.local'],
                    notTrustDomains: ['*.evil'],
                  },
                },
              ],
              to: [
                {
                  operation: {
                    hosts: ['example.com'],
                    notHosts: ['*.internal'],
                    ports: ['8080', '09090'],
                    notPorts: ['22'],
                    methods: ['GET'],
                    notMethods: ['DELETE'],
                    paths: ['/api/*'],
                    notPaths: ['/api/admin/{**}'],
                  },
                },
              ],
              when: [{ key: 'request.headers[x-user]', values: ['alice'], notValues: ['bob'] }],
            },
          ],
        },
        { name: 'deny-it', namespace: 'bookinfo' },
      ),
    );
    expect(policy.name).toBe('deny-it');
    expect(policy.namespace).toBe('bookinfo');
    expect(policy.action).toBe('DENY');
    expect(policy.selector).toEqual({ matchLabels: { app: 'reviews' } });
    const [rule] = policy.rules;
    expect(rule?.from[0]?.namespaces).toEqual(['team-*']);
    expect(rule?.from[0]?.ipBlocks.map((b) => [b.text, b.cidr.prefixLength])).toEqual([
      ['10.0.0.0/8', 8],
      ['192.168.1.1', 32],
    ]);
    expect(rule?.from[0]?.notRemoteIpBlocks[0]?.cidr.family).toBe(6);
    expect(rule?.to[0]?.ports.map((p) => p.port)).toEqual([8080, 9090]);
    expect(rule?.when).toEqual([
      { key: 'request.headers[x-user]', values: ['alice'], notValues: ['bob'] },
    ]);
  });

  it('v1beta1 objects and objects without apiVersion/kind (list items)', () => {
    const obj = authorizationPolicy({});
    expect(
      parseAuthorizationPolicy({ ...obj, apiVersion: 'security.istio.io/v1beta1' }).action,
    ).toBe('ALLOW');
    const bare = { metadata: obj.metadata, spec: obj.spec };
    expect(parseAuthorizationPolicy(bare).rules).toEqual([]);
  });

  it('spec: {} and a missing spec as ALLOW with no rules', () => {
    expect(parseAuthorizationPolicy(authorizationPolicy({}))).toMatchObject({
      action: 'ALLOW',
      rules: [],
    });
    expect(parseAuthorizationPolicy(authorizationPolicy(undefined))).toMatchObject({
      action: 'ALLOW',
      rules: [],
    });
  });

  it('rules: [{}] as one rule with no constraints', () => {
    const policy = parseAuthorizationPolicy(authorizationPolicy({ action: 'DENY', rules: [{}] }));
    expect(policy.rules).toEqual([{ from: [], to: [], when: [] }]);
  });

  it('targetRef and targetRefs, merged, with "core" read as the core group', () => {
    const policy = parseAuthorizationPolicy(
      authorizationPolicy({
        targetRefs: [
          { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' },
          { kind: 'Service', group: 'core', name: 'reviews' },
          { kind: 'ServiceEntry', group: 'networking.istio.io', name: 'ext', namespace: 'ns' },
        ],
      }),
    );
    expect(policy.targetRefs).toEqual([
      { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' },
      { kind: 'Service', group: '', name: 'reviews' },
      { kind: 'ServiceEntry', group: 'networking.istio.io', name: 'ext', namespace: 'ns' },
    ]);
  });

  it('CUSTOM with a provider', () => {
    const policy = parseAuthorizationPolicy(
      authorizationPolicy({ action: 'CUSTOM', provider: { name: 'ext-authz' }, rules: [{}] }),
    );
    expect(policy).toMatchObject({ action: 'CUSTOM', provider: 'ext-authz' });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['T', true],
    ['false', false],
    ['yes', false],
  ])('the dry-run annotation %j as dryRun=%s (Go ParseBool)', (value, expected) => {
    const policy = parseAuthorizationPolicy(
      authorizationPolicy({}, { annotations: { 'istio.io/dry-run': value } }),
    );
    expect(policy.dryRun).toBe(expected);
    expect(policy.warnings.some((w) => w.includes('is not a boolean'))).toBe(value === 'yes');
  });
});

describe('parseAuthorizationPolicy warns (the object stays valid)', () => {
  it('on a selector without labels', () => {
    expect(parseAuthorizationPolicy(authorizationPolicy({ selector: {} })).warnings).toEqual([
      'workload selector specified without labels',
    ]);
  });

  it('on a DENY rule made only of HTTP attributes', () => {
    const policy = parseAuthorizationPolicy(
      authorizationPolicy({
        action: 'DENY',
        rules: [{ to: [{ operation: { methods: ['GET'] } }] }],
      }),
    );
    expect(policy.warnings).toEqual([HTTP_ONLY_DENY_WARNING]);
  });

  it('not on a DENY rule that names a port', () => {
    const policy = parseAuthorizationPolicy(
      authorizationPolicy({
        action: 'DENY',
        rules: [{ to: [{ operation: { methods: ['GET'], ports: ['80'] } }] }],
      }),
    );
    expect(policy.warnings).toEqual([]);
  });

  it('on a principal written with spiffe://, which can never match', () => {
    const policy = parseAuthorizationPolicy(
      authorizationPolicy({
        rules: [{ from: [{ source: { principals: ['spiffe://cluster.local/ns/a/sa/b'] } }] }],
      }),
    );
    expect(policy.warnings[0]).toMatch(/starts with spiffe:\/\//);
  });
});

const op = (operation: unknown): unknown => ({ rules: [{ to: [{ operation }] }] });
const src = (source: unknown): unknown => ({ rules: [{ from: [{ source }] }] });
const when = (...conditions: unknown[]): unknown => ({ rules: [{ when: conditions }] });

describe('parseAuthorizationPolicy rejects, naming the field', () => {
  it('a port out of range with the exact path and text', () => {
    const err = rejection(authorizationPolicy(op({ ports: ['8080', '99999'] })));
    expect(err.path).toBe('spec.rules[0].to[0].operation.ports[1]');
    expect(err.issues[0].message).toBe('"99999" is not a port (1-65535)');
    expect(err.message).toBe(
      'invalid AuthorizationPolicy: spec.rules[0].to[0].operation.ports[1]: "99999" is not a port (1-65535)',
    );
  });

  it('every problem at once, not only the first', () => {
    const err = rejection(
      authorizationPolicy(
        { action: 'PERMIT', rules: [{ to: [{ operation: { ports: ['0', 'http'] } }] }] },
        {},
      ),
    );
    expect(err.issues.map((i) => i.path)).toEqual([
      'spec.action',
      'spec.rules[0].to[0].operation.ports[0]',
      'spec.rules[0].to[0].operation.ports[1]',
    ]);
  });

  it.each<[string, unknown, string, string | RegExp]>([
    // ports
    [
      'port 0',
      op({ ports: ['0'] }),
      'spec.rules[0].to[0].operation.ports[0]',
      '"0" is not a port (1-65535)',
    ],
    [
      'port 65536',
      op({ notPorts: ['65536'] }),
      'spec.rules[0].to[0].operation.notPorts[0]',
      '"65536" is not a port (1-65535)',
    ],
    [
      'a named port',
      op({ ports: ['http'] }),
      'spec.rules[0].to[0].operation.ports[0]',
      '"http" is not a port (1-65535)',
    ],
    [
      'a signed port',
      op({ ports: ['+80'] }),
      'spec.rules[0].to[0].operation.ports[0]',
      /not a port/,
    ],
    ['an empty port', op({ ports: [''] }), 'spec.rules[0].to[0].operation.ports[0]', /not a port/],
    [
      'a numeric port (wrong type)',
      op({ ports: [8080] }),
      'spec.rules[0].to[0].operation.ports[0]',
      'expected a string, got number',
    ],
    // IP blocks
    [
      'a garbage ipBlock',
      src({ ipBlocks: ['garbage'] }),
      'spec.rules[0].from[0].source.ipBlocks[0]',
      '"garbage" is not an IP address',
    ],
    [
      'a /33 IPv4 range',
      src({ notIpBlocks: ['10.0.0.0/33'] }),
      'spec.rules[0].from[0].source.notIpBlocks[0]',
      /prefix length must be 0-32/,
    ],
    [
      'a /129 IPv6 range',
      src({ remoteIpBlocks: ['2001:db8::/129'] }),
      'spec.rules[0].from[0].source.remoteIpBlocks[0]',
      /0-128 for IPv6/,
    ],
    [
      'a missing prefix length',
      src({ ipBlocks: ['10.0.0.0/'] }),
      'spec.rules[0].from[0].source.ipBlocks[0]',
      /not a CIDR range/,
    ],
    [
      'an octal-looking IPv4',
      src({ ipBlocks: ['010.0.0.1'] }),
      'spec.rules[0].from[0].source.ipBlocks[0]',
      /not an IP address/,
    ],
    [
      'an IPv6 zone',
      src({ notRemoteIpBlocks: ['fe80::1%eth0'] }),
      'spec.rules[0].from[0].source.notRemoteIpBlocks[0]',
      /not an IP address/,
    ],
    [
      'a short IPv4',
      src({ ipBlocks: ['10.1'] }),
      'spec.rules[0].from[0].source.ipBlocks[0]',
      /not an IP address/,
    ],
    // actions and types
    [
      'an unknown action',
      { action: 'PERMIT' },
      'spec.action',
      '"PERMIT" is not an action (ALLOW, DENY, AUDIT, CUSTOM)',
    ],
    ['a lowercase action', { action: 'deny' }, 'spec.action', /is not an action/],
    ['a numeric action', { action: 1 }, 'spec.action', 'expected a string, got number'],
    [
      'principals as a string',
      src({ principals: 'cluster.local/ns/a/sa/b' }),
      'spec.rules[0].from[0].source.principals',
      'expected a list, got string',
    ],
    ['rules as an object', { rules: {} }, 'spec.rules', 'expected a list, got object'],
    ['a null rule', { rules: [null] }, 'spec.rules[0]', 'expected an object, got null'],
    [
      'a from entry that is a string',
      { rules: [{ from: ['x'] }] },
      'spec.rules[0].from[0]',
      'expected an object, got string',
    ],
    ['spec as a list', [], 'spec', 'expected an object, got list'],
    // structure
    [
      'an unknown source field (typo)',
      src({ principal: ['a'] }),
      'spec.rules[0].from[0].source.principal',
      /unknown field/,
    ],
    ['an unknown spec field', { selectors: {} }, 'spec.selectors', /unknown field/],
    ['an empty source', src({}), 'spec.rules[0].from[0].source', 'must not be empty'],
    [
      'a from entry without source',
      { rules: [{ from: [{}] }] },
      'spec.rules[0].from[0].source',
      'required field is missing',
    ],
    ['an empty operation', op({}), 'spec.rules[0].to[0].operation', 'must not be empty'],
    ['an empty from list', { rules: [{ from: [] }] }, 'spec.rules[0].from', /must not be empty/],
    ['an empty to list', { rules: [{ to: [] }] }, 'spec.rules[0].to', /must not be empty/],
    [
      'an empty principal',
      src({ principals: [''] }),
      'spec.rules[0].from[0].source.principals[0]',
      'empty value not allowed',
    ],
    [
      'an empty method',
      op({ methods: [''] }),
      'spec.rules[0].to[0].operation.methods[0]',
      'empty value not allowed',
    ],
    // service accounts and trust domains
    [
      'serviceAccounts with principals',
      src({ serviceAccounts: ['sa'], principals: ['p'] }),
      'spec.rules[0].from[0].source',
      'cannot set serviceAccounts with namespaces or principals',
    ],
    [
      'a wildcard service account',
      src({ serviceAccounts: ['ns/*'] }),
      'spec.rules[0].from[0].source.serviceAccounts[0]',
      /wildcard not allowed/,
    ],
    [
      'a service account with two slashes',
      src({ notServiceAccounts: ['a/b/c'] }),
      'spec.rules[0].from[0].source.notServiceAccounts[0]',
      /expected format/,
    ],
    [
      'a service account with an empty namespace',
      src({ serviceAccounts: ['/sa'] }),
      'spec.rules[0].from[0].source.serviceAccounts[0]',
      /expected format/,
    ],
    [
      '17 service accounts',
      src({ serviceAccounts: Array.from({ length: 17 }, (_, i) => `sa${i}`) }),
      'spec.rules[0].from[0].source.serviceAccounts',
      'may not have more than 16 values',
    ],
    [
      'a trust domain with a middle wildcard',
      src({ trustDomains: ['a*b'] }),
      'spec.rules[0].from[0].source.trustDomains[0]',
      /only allowed at the start or end/,
    ],
    [
      'a trust domain with a slash',
      src({ notTrustDomains: ['a/b'] }),
      'spec.rules[0].from[0].source.notTrustDomains[0]',
      /must not contain/,
    ],
    // paths
    [
      '{**} before another operator',
      op({ paths: ['/a/{**}/{*}'] }),
      'spec.rules[0].to[0].operation.paths[0]',
      /not the last operator/,
    ],
    [
      'a brace outside a template',
      op({ notPaths: ['/a/{id}'] }),
      'spec.rules[0].to[0].operation.notPaths[0]',
      /beyond a supported path template/,
    ],
    // when
    [
      'an unknown when key',
      when({ key: 'source.name', values: ['x'] }),
      'spec.rules[0].when[0].key',
      'unknown attribute: source.name',
    ],
    [
      'destination.namespace',
      when({ key: 'destination.namespace', values: ['x'] }),
      'spec.rules[0].when[0].key',
      /replaced by the metadata.namespace/,
    ],
    [
      'destination.labels',
      when({ key: 'destination.labels[app]', values: ['x'] }),
      'spec.rules[0].when[0].key',
      /replaced by the workload selector/,
    ],
    [
      'a malformed header key',
      when({ key: 'request.headers[]', values: ['x'] }),
      'spec.rules[0].when[0].key',
      /bad key/,
    ],
    [
      'a condition without values',
      when({ key: 'source.ip' }),
      'spec.rules[0].when[0]',
      /at least one of `values` or `notValues`/,
    ],
    [
      'a condition without key',
      when({ values: ['x'] }),
      'spec.rules[0].when[0].key',
      'required field is missing',
    ],
    [
      'a bad destination.port value',
      when({ key: 'destination.port', values: ['99999'] }),
      'spec.rules[0].when[0].values[0]',
      '"99999" is not a port (1-65535)',
    ],
    [
      'a bad source.ip notValue',
      when({ key: 'source.ip', notValues: ['1.2.3.4/40'] }),
      'spec.rules[0].when[0].notValues[0]',
      /not a CIDR range/,
    ],
    [
      'a bad source.serviceAccount value',
      when({ key: 'source.serviceAccount', values: ['a/b/c'] }),
      'spec.rules[0].when[0].values[0]',
      /expected format/,
    ],
    // actions that need rules / providers
    [
      'DENY without rules',
      { action: 'DENY' },
      'spec.rules',
      /DENY action without `rules` is meaningless/,
    ],
    [
      'DENY with rules: []',
      { action: 'DENY', rules: [] },
      'spec.rules',
      /DENY action without `rules`/,
    ],
    [
      'CUSTOM without rules',
      { action: 'CUSTOM', provider: { name: 'x' } },
      'spec.rules',
      /CUSTOM action without `rules`/,
    ],
    [
      'CUSTOM without provider',
      { action: 'CUSTOM', rules: [{}] },
      'spec.provider.name',
      '`provider.name` must not be empty',
    ],
    [
      'a provider with ALLOW',
      { provider: { name: 'x' } },
      'spec.provider',
      '`provider` must not be with non CUSTOM action, found ALLOW',
    ],
    [
      'CUSTOM with principals',
      {
        action: 'CUSTOM',
        provider: { name: 'x' },
        rules: [{ from: [{ source: { principals: ['a'] } }] }],
      },
      'spec.rules[0].from[0].source.principals',
      'not supported with CUSTOM action',
    ],
    // selection
    [
      'selector and targetRefs together',
      { selector: { matchLabels: { a: 'b' } }, targetRefs: [{ kind: 'Service', name: 's' }] },
      'spec',
      'only one of targetRefs or workloadSelector can be set',
    ],
    [
      'a wildcard label',
      { selector: { matchLabels: { app: 'a*' } } },
      'spec.selector.matchLabels.app',
      /wildcard is not supported/,
    ],
    [
      'a targetRef to a Deployment',
      { targetRef: { kind: 'Deployment', group: 'apps', name: 'x' } },
      'spec.targetRef',
      /targetRef must be to a Service/,
    ],
    [
      'a targetRef to a Service in the wrong group',
      { targetRefs: [{ kind: 'Service', group: 'networking.istio.io', name: 'x' }] },
      'spec.targetRefs[0]',
      /but was networking.istio.io\/Service/,
    ],
    [
      'a cross-namespace targetRef',
      { targetRefs: [{ kind: 'Service', name: 'x', namespace: 'other' }] },
      'spec.targetRefs[0].namespace',
      /cross namespace/,
    ],
    [
      'a targetRef without name',
      { targetRef: { kind: 'Service' } },
      'spec.targetRef.name',
      'required field is missing',
    ],
  ])('%s', (_name, spec, path, message) => {
    const err = rejection(authorizationPolicy(spec));
    const issue = err.issues.find((i) => i.path === path);
    expect(issue, `issues: ${err.message}`).toBeDefined();
    if (typeof message === 'string') expect(issue?.message).toBe(message);
    else expect(issue?.message).toMatch(message);
  });

  it.each<[string, unknown, string]>([
    ['a non-object', 'policy', '(object)'],
    ['a wrong kind', { ...authorizationPolicy({}), kind: 'PeerAuthentication' }, 'kind'],
    [
      'a wrong apiVersion',
      { ...authorizationPolicy({}), apiVersion: 'security.istio.io/v1alpha1' },
      'apiVersion',
    ],
    [
      'missing metadata',
      { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', spec: {} },
      'metadata',
    ],
    ['a missing namespace', { metadata: { name: 'x' }, spec: {} }, 'metadata.namespace'],
    ['an empty name', { metadata: { name: '', namespace: 'ns' }, spec: {} }, 'metadata.name'],
  ])('%s (envelope)', (_name, obj, path) => {
    expect(rejection(obj).issues.map((i) => i.path)).toContain(path);
  });
});
