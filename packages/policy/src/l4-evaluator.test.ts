import { describe, expect, it } from 'vitest';
import { InvalidEvaluationInputError } from './errors.js';
import {
  evaluateL4,
  l4PolicyMatches,
  selectL4Policies,
  type L4Connection,
} from './l4-evaluator.js';
import { EMPTY_MATCH, type L4Policy, type L4Scope } from './l4-model.js';

const conn: L4Connection = { sourceIp: '10.0.0.1', destinationIp: '10.0.0.2', destinationPort: 80 };

function policy(
  name: string,
  namespace: string,
  scope: L4Scope,
  rules: L4Policy['rules'] = [],
): L4Policy {
  return { name, namespace, scope, action: 'ALLOW', dryRun: false, rules };
}

describe('selectL4Policies', () => {
  const all = [
    policy('ns-wide', 'backend', 'NAMESPACE'),
    policy('other-ns', 'frontend', 'NAMESPACE'),
    policy('mesh', 'istio-system', 'GLOBAL'),
    policy('selected', 'backend', 'WORKLOAD_SELECTOR'),
    policy('not-listed', 'backend', 'WORKLOAD_SELECTOR'),
  ];

  it('takes namespace policies of the workload namespace, global ones, and listed keys', () => {
    const { policies, missing } = selectL4Policies(all, {
      namespace: 'backend',
      authorizationPolicies: ['backend/selected', 'backend/gone'],
    });
    expect(policies.map((p) => `${p.namespace}/${p.name}`)).toEqual([
      'backend/ns-wide',
      'istio-system/mesh',
      'backend/selected',
    ]);
    expect(missing).toEqual(['backend/gone']);
  });

  it('does not apply a listed namespace policy twice', () => {
    const { policies } = selectL4Policies(all, {
      namespace: 'backend',
      authorizationPolicies: ['backend/ns-wide'],
    });
    expect(policies.filter((p) => p.name === 'ns-wide')).toHaveLength(1);
  });
});

describe('L4 matching structure', () => {
  const port80 = { ...EMPTY_MATCH, destinationPorts: [80] };
  const port81 = { ...EMPTY_MATCH, destinationPorts: [81] };

  it.each<[string, L4Policy['rules'], boolean]>([
    ['no rules never match', [], false],
    ['a rule without clauses matches', [{ clauses: [] }], true],
    ['a clause without matches holds', [{ clauses: [{ matches: [] }] }], true],
    ['an empty match never matches', [{ clauses: [{ matches: [EMPTY_MATCH] }] }], false],
    [
      'an empty match does not spoil its neighbours',
      [{ clauses: [{ matches: [EMPTY_MATCH, port80] }] }],
      true,
    ],
    ['matches are ORed', [{ clauses: [{ matches: [port81, port80] }] }], true],
    ['clauses are ANDed', [{ clauses: [{ matches: [port80] }, { matches: [port81] }] }], false],
    [
      'rules are ORed',
      [{ clauses: [{ matches: [port81] }] }, { clauses: [{ matches: [port80] }] }],
      true,
    ],
  ])('%s', (_name, rules, matches) => {
    expect(l4PolicyMatches(policy('p', 'ns', 'NAMESPACE', rules), conn)).toBe(matches);
  });
});

describe('evaluateL4 input', () => {
  it.each<[string, Partial<L4Connection>, string]>([
    ['a source that is not an IP', { sourceIp: 'pod-a' }, 'sourceIp'],
    ['a destination that is not an IP', { destinationIp: '10.0.0.256' }, 'destinationIp'],
    ['a port out of range', { destinationPort: 70000 }, 'destinationPort'],
  ])('rejects %s instead of guessing', (_name, change, field) => {
    expect(() => evaluateL4([], { ...conn, ...change })).toThrow(InvalidEvaluationInputError);
    expect(() => evaluateL4([], { ...conn, ...change })).toThrow(field);
  });
});
