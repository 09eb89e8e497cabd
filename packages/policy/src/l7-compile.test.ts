import { describe, expect, it } from 'vitest';
import { authorizationPolicy } from '../test/fixtures.js';
import { parseL7Policy, requestPrincipalMatcher } from './l7-compile.js';

describe('requestPrincipalMatcher (Envoy iss/sub split)', () => {
  it.each([
    ['*', { issuer: { kind: 'presence' }, subject: { kind: 'presence' } }],
    [
      'iss/sub',
      { issuer: { kind: 'exact', value: 'iss' }, subject: { kind: 'exact', value: 'sub' } },
    ],
    [
      'https://a.example/x/sub',
      {
        issuer: { kind: 'exact', value: 'https://a.example/x' },
        subject: { kind: 'exact', value: 'sub' },
      },
    ],
    ['iss/*', { issuer: { kind: 'exact', value: 'iss' }, subject: { kind: 'presence' } }],
    [
      'iss/su*',
      { issuer: { kind: 'exact', value: 'iss' }, subject: { kind: 'prefix', value: 'su' } },
    ],
    ['*/sub', { issuer: { kind: 'presence' }, subject: { kind: 'exact', value: 'sub' } }],
    [
      '*ss/sub',
      { issuer: { kind: 'suffix', value: 'ss' }, subject: { kind: 'exact', value: 'sub' } },
    ],
    ['*sub', { issuer: { kind: 'presence' }, subject: { kind: 'suffix', value: 'sub' } }],
    ['iss*', { issuer: { kind: 'prefix', value: 'iss' }, subject: { kind: 'presence' } }],
    ['iss', { issuer: { kind: 'exact', value: 'iss' }, subject: { kind: 'exact', value: '' } }],
  ])('%s', (value, expected) => {
    expect(requestPrincipalMatcher(value)).toEqual(expected);
  });
});

describe('parseL7Policy', () => {
  it('compiles values once: lower-cased hosts, globbed namespaces, templates, typed conditions', () => {
    const policy = parseL7Policy(
      authorizationPolicy({
        targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'waypoint' }],
        action: 'DENY',
        rules: [
          {
            from: [
              { source: { namespaces: ['team-*-prod', 'dev*'] } },
              { source: { serviceAccounts: ['sa'] } },
            ],
            to: [{ operation: { hosts: ['API.Example.com'], paths: ['/u/{*}/x', '/static/*'] } }],
            when: [
              { key: 'destination.port', values: ['443'] },
              { key: 'request.auth.claims[org][team]', values: ['pay'] },
              { key: 'experimental.envoy.filters.a[b]', values: ['c'] },
            ],
          },
        ],
      }),
    );
    const [rule] = policy.rules;
    expect(rule?.from[0]?.namespaces.values).toEqual([
      { kind: 'glob', parts: ['team-', '-prod'] },
      { kind: 'prefix', value: 'dev' },
    ]);
    expect(rule?.from[1]?.serviceAccounts.values).toEqual([
      { namespace: 'ns', serviceAccount: 'sa' },
    ]);
    expect(rule?.to[0]?.hosts.values).toEqual([{ kind: 'exact', value: 'api.example.com' }]);
    expect(rule?.to[0]?.paths.values).toEqual([
      { kind: 'template', template: '/u/{*}/x' },
      { kind: 'prefix', value: '/static/' },
    ]);
    expect(rule?.when.map((c) => c.condition.type)).toEqual(['port', 'string', 'unsupported']);
    expect(rule?.when[1]?.key).toEqual({ kind: 'request.auth.claims', claim: ['org', 'team'] });
  });
});
