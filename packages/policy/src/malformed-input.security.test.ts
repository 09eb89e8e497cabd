// Malformed input never widens what a policy allows. For each malformed
// object: validation rejects it naming the field, and what we enforce instead
// (the fail-closed stand-in) allows no connection or request that any
// plausible reading of the author's intent would deny — including the reading
// upstream produces by silently dropping the bad value, which the table shows
// can be wider.
//
// reliability.md §6 row 9 (authz fail-closed): each case records what was
// enforced instead of the malformed policy and how the probes fared.

import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { security } from '@ambient-ts/xds-types';
import { recordAttack } from '@ambient-ts/security-table';
import { describe, expect, it } from 'vitest';
import { authorizationPolicy, yamlObjects, ztunnelPolicies } from '../test/fixtures.js';
import type { PeerIdentity } from './decision.js';
import { AuthorizationRejectedError, PolicyValidationError } from './errors.js';
import { evaluateL4, type L4Connection } from './l4-evaluator.js';
import { EMPTY_MATCH, type L4Policy } from './l4-model.js';
import { authorizationFromProto, failClosedStandIn } from './l4-proto.js';
import { failClosedL7Policy, parseL7Policy } from './l7-compile.js';
import { evaluateL7, type L7Request } from './l7-evaluator.js';
import { parseAuthorizationPolicy } from './parse-authorization-policy.js';
import { failClosedForZtunnel } from './ztunnel-translation.js';

const WEB: PeerIdentity = {
  trustDomain: 'cluster.local',
  namespace: 'frontend',
  serviceAccount: 'web',
};
const API: PeerIdentity = {
  trustDomain: 'cluster.local',
  namespace: 'other',
  serviceAccount: 'api',
};

const PROBES: readonly L4Connection[] = [
  { sourceIdentity: WEB, sourceIp: '10.0.1.5', destinationIp: '10.0.2.7', destinationPort: 9080 },
  { sourceIdentity: WEB, sourceIp: '10.0.1.5', destinationIp: '10.0.2.7', destinationPort: 8080 },
  { sourceIdentity: API, sourceIp: '10.0.3.3', destinationIp: '10.0.2.7', destinationPort: 22 },
  { sourceIp: '192.168.1.1', destinationIp: '10.0.2.7', destinationPort: 9080 },
];

function validationError(obj: unknown): PolicyValidationError {
  try {
    parseAuthorizationPolicy(obj);
  } catch (err) {
    if (err instanceof PolicyValidationError) return err;
    throw err;
  }
  throw new Error('expected the policy to be rejected');
}

/** What ztunnel enforces for a malformed object (istiod's fail-closed translation, over the wire). */
function enforcedAtZtunnel(obj: unknown): L4Policy[] {
  const { authorization } = failClosedForZtunnel(obj, validationError(obj));
  return authorization ? [authorizationFromProto(authorization)] : [];
}

const spec = (text: string): string => `metadata: {name: p, namespace: backend}\nspec: ${text}\n`;

interface Case {
  readonly name: string;
  readonly spec: unknown;
  /** The field validation must name. */
  readonly path: string;
  /** Valid readings of what the author may have meant; the first is "drop the bad value" (upstream). */
  readonly readings: readonly string[];
  /** A probe (index into PROBES) the dropped-value reading lets through but we deny, if any. */
  readonly widenedByDropping?: number;
}

const CASES: readonly Case[] = [
  {
    name: 'ALLOW with an out-of-range port',
    spec: {
      rules: [
        {
          from: [{ source: { namespaces: ['frontend'] } }],
          to: [{ operation: { ports: ['99999'] } }],
        },
      ],
    },
    path: 'spec.rules[0].to[0].operation.ports[0]',
    readings: [
      '{rules: [{from: [{source: {namespaces: [frontend]}}]}]}',
      '{rules: [{from: [{source: {namespaces: [frontend]}}], to: [{operation: {ports: ["9999"]}}]}]}',
    ],
    widenedByDropping: 0,
  },
  {
    name: 'ALLOW with a non-numeric port',
    spec: {
      rules: [
        {
          from: [{ source: { namespaces: ['frontend'] } }],
          to: [{ operation: { ports: ['abc'] } }],
        },
      ],
    },
    path: 'spec.rules[0].to[0].operation.ports[0]',
    readings: ['{rules: [{from: [{source: {namespaces: [frontend]}}]}]}'],
    widenedByDropping: 0,
  },
  {
    name: 'ALLOW with a garbage ipBlock next to a valid namespace',
    spec: { rules: [{ from: [{ source: { namespaces: ['frontend'], ipBlocks: ['garbage'] } }] }] },
    path: 'spec.rules[0].from[0].source.ipBlocks[0]',
    readings: [
      '{rules: [{from: [{source: {namespaces: [frontend]}}]}]}',
      '{rules: [{from: [{source: {namespaces: [frontend], ipBlocks: ["10.9.0.0/16"]}}]}]}',
    ],
    widenedByDropping: 0,
  },
  {
    name: 'DENY with one garbage ipBlock among valid ones',
    spec: {
      action: 'DENY',
      rules: [{ from: [{ source: { ipBlocks: ['garbage', '10.0.1.0/24'] } }] }],
    },
    path: 'spec.rules[0].from[0].source.ipBlocks[0]',
    readings: [
      '{action: DENY, rules: [{from: [{source: {ipBlocks: ["10.0.1.0/24"]}}]}]}',
      '{action: DENY, rules: [{from: [{source: {ipBlocks: ["192.168.0.0/16", "10.0.1.0/24"]}}]}]}',
    ],
    widenedByDropping: 3,
  },
  {
    name: 'DENY with a /33 notIpBlocks',
    spec: { action: 'DENY', rules: [{ from: [{ source: { notIpBlocks: ['10.0.0.0/33'] } }] }] },
    path: 'spec.rules[0].from[0].source.notIpBlocks[0]',
    readings: [
      '{action: DENY, rules: [{}]}',
      '{action: DENY, rules: [{from: [{source: {notIpBlocks: ["10.0.0.0/8"]}}]}]}',
    ],
  },
  {
    name: 'DENY with a named port in a when condition',
    spec: { action: 'DENY', rules: [{ when: [{ key: 'destination.port', values: ['http'] }] }] },
    path: 'spec.rules[0].when[0].values[0]',
    readings: ['{action: DENY, rules: [{when: [{key: destination.port, values: ["80"]}]}]}'],
  },
  {
    name: 'DENY with an unknown action spelling',
    spec: { action: 'deny', rules: [{ from: [{ source: { namespaces: ['frontend'] } }] }] },
    path: 'spec.action',
    readings: [
      '{action: DENY, rules: [{from: [{source: {namespaces: [frontend]}}]}]}',
      '{rules: [{from: [{source: {namespaces: [frontend]}}]}]}',
    ],
  },
  {
    name: 'ALLOW with a numeric port (wrong type)',
    spec: { rules: [{ to: [{ operation: { ports: [9080] } }] }] },
    path: 'spec.rules[0].to[0].operation.ports[0]',
    readings: ['{rules: [{}]}', '{rules: [{to: [{operation: {ports: ["9080"]}}]}]}'],
    widenedByDropping: 2,
  },
  {
    name: 'ALLOW with principals as a string (wrong type)',
    spec: { rules: [{ from: [{ source: { principals: 'cluster.local/ns/frontend/sa/web' } }] }] },
    path: 'spec.rules[0].from[0].source.principals',
    readings: [
      '{rules: [{}]}',
      '{rules: [{from: [{source: {principals: [cluster.local/ns/frontend/sa/web]}}]}]}',
    ],
    widenedByDropping: 2,
  },
  {
    name: 'ALLOW with a misspelt source field',
    spec: { rules: [{ from: [{ source: { namespace: ['frontend'] } }] }] },
    path: 'spec.rules[0].from[0].source.namespace',
    readings: ['{rules: [{}]}', '{rules: [{from: [{source: {namespaces: [frontend]}}]}]}'],
    widenedByDropping: 2,
  },
  {
    name: 'DENY with an unknown when key',
    spec: { action: 'DENY', rules: [{ when: [{ key: 'source.name', values: ['web'] }] }] },
    path: 'spec.rules[0].when[0].key',
    readings: ['{action: DENY, rules: [{when: [{key: source.principal, values: ["*/sa/web"]}]}]}'],
  },
  {
    name: 'ALLOW with a wildcard service account',
    spec: { rules: [{ from: [{ source: { serviceAccounts: ['frontend/*'] } }] }] },
    path: 'spec.rules[0].from[0].source.serviceAccounts[0]',
    readings: ['{rules: [{from: [{source: {namespaces: [frontend]}}]}]}'],
  },
  {
    name: 'DENY with both a selector and targetRefs',
    spec: {
      action: 'DENY',
      selector: { matchLabels: { app: 'reviews' } },
      targetRefs: [{ kind: 'Service', name: 'reviews' }],
      rules: [{}],
    },
    path: 'spec',
    readings: ['{action: DENY, selector: {matchLabels: {app: reviews}}, rules: [{}]}'],
  },
];

describe('malformed AuthorizationPolicy at ztunnel', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const obj = authorizationPolicy(c.spec, { name: 'p', namespace: 'backend' });
    expect(validationError(obj).issues.map((i) => i.path)).toContain(c.path);

    const enforced = enforcedAtZtunnel(obj);
    expect(enforced).toHaveLength(1);
    for (const reading of c.readings) {
      const intended = ztunnelPolicies(spec(reading));
      for (const probe of PROBES) {
        // Never wider: whatever we allow, every reading allows too.
        if (evaluateL4(enforced, probe).allowed)
          expect(evaluateL4(intended, probe).allowed).toBe(true);
      }
    }
    if (c.widenedByDropping !== undefined) {
      const probe = PROBES[c.widenedByDropping]!;
      const dropped = ztunnelPolicies(spec(c.readings[0]!));
      expect(evaluateL4(dropped, probe).allowed).toBe(true);
      expect(evaluateL4(enforced, probe).allowed).toBe(false);
    }
    const allowedProbes = PROBES.filter((p) => evaluateL4(enforced, p).allowed).length;
    recordAttack({
      finding: '§6.9 authz fail-closed',
      attack: `ztunnel: ${c.name}`,
      sent: JSON.stringify(c.spec),
      happened: `rejected at ${validationError(obj).issues[0]?.path ?? '?'}; enforced ${enforced.map((p) => `${p.action} (${p.rules.length} rules)`).join(', ')}; ${allowedProbes}/${PROBES.length} probe connections allowed${c.widenedByDropping === undefined ? '' : ' (dropping the bad value would allow one more)'}`,
    });
  });
});

const REQUESTS: readonly L7Request[] = [
  {
    sourceIdentity: WEB,
    sourceIp: '10.0.1.5',
    destinationIp: '10.96.0.10',
    destinationPort: 9080,
    method: 'GET',
    path: '/api/items',
    host: 'reviews',
    headers: {},
  },
  {
    sourceIp: '192.168.1.1',
    destinationIp: '10.96.0.10',
    destinationPort: 9080,
    method: 'POST',
    path: '/admin/users',
    host: 'reviews',
    headers: { 'x-user': 'admin' },
  },
];

describe('malformed AuthorizationPolicy at a waypoint', () => {
  const target = { targetRefs: [{ kind: 'Service', name: 'reviews' }] };
  it.each<[string, unknown, string]>([
    [
      'DENY with a bad path template',
      {
        ...target,
        action: 'DENY',
        rules: [{ to: [{ operation: { paths: ['/admin/{**}/{*}'] } }] }],
      },
      '{targetRefs: [{kind: Service, name: reviews}], action: DENY, rules: [{to: [{operation: {paths: ["/admin/*"]}}]}]}',
    ],
    [
      'ALLOW with an empty host',
      { ...target, rules: [{ to: [{ operation: { hosts: [''], methods: ['GET'] } }] }] },
      '{targetRefs: [{kind: Service, name: reviews}], rules: [{to: [{operation: {methods: [GET]}}]}]}',
    ],
    [
      'DENY with a malformed header key',
      {
        ...target,
        action: 'DENY',
        rules: [{ when: [{ key: 'request.headers[x-user', values: ['admin'] }] }],
      },
      '{targetRefs: [{kind: Service, name: reviews}], action: DENY, rules: [{when: [{key: "request.headers[x-user]", values: [admin]}]}]}',
    ],
    [
      'CUSTOM without provider',
      { ...target, action: 'CUSTOM', rules: [{}] },
      '{targetRefs: [{kind: Service, name: reviews}], action: DENY, rules: [{}]}',
    ],
  ])('%s', (name, specValue, readingSpec) => {
    const obj = authorizationPolicy(specValue, { name: 'p', namespace: 'backend' });
    expect(() => parseL7Policy(obj)).toThrow(PolicyValidationError);
    const standIn = failClosedL7Policy(obj);
    expect(standIn).toBeDefined();
    const [readingObj] = yamlObjects(spec(readingSpec));
    const reading = parseL7Policy(readingObj);
    for (const request of REQUESTS) {
      if (evaluateL7([standIn!], request).allowed)
        expect(evaluateL7([reading], request).allowed).toBe(true);
    }
    const allowedRequests = REQUESTS.filter((r) => evaluateL7([standIn!], r).allowed).length;
    recordAttack({
      finding: '§6.9 authz fail-closed',
      attack: `waypoint: ${name}`,
      sent: JSON.stringify(specValue),
      happened: `rejected; stand-in ${standIn!.action} enforced; ${allowedRequests}/${REQUESTS.length} probe requests allowed`,
    });
  });
});

describe('malformed istio.security.Authorization at ztunnel', () => {
  type AuthzInit = MessageInitShape<typeof security.AuthorizationSchema>;
  const allowFrontendFrom = (sourceIps: { address: Uint8Array; length: number }[]): AuthzInit => ({
    name: 'p',
    namespace: 'backend',
    scope: security.Scope.NAMESPACE,
    action: security.Action.ALLOW,
    rules: [
      {
        clauses: [
          {
            matches: [
              { namespaces: [{ matchType: { case: 'exact', value: 'frontend' } }], sourceIps },
            ],
          },
        ],
      },
    ],
  });
  /** What upstream ztunnel would enforce: the bad address silently dropped. */
  const upstreamReading: L4Policy = {
    name: 'p',
    namespace: 'backend',
    scope: 'NAMESPACE',
    action: 'ALLOW',
    dryRun: false,
    rules: [
      {
        clauses: [
          { matches: [{ ...EMPTY_MATCH, namespaces: [{ kind: 'exact', value: 'frontend' }] }] },
        ],
      },
    ],
  };

  it.each<[string, AuthzInit]>([
    [
      'an ALLOW with a 3-byte source address',
      allowFrontendFrom([{ address: new Uint8Array([10, 0, 1]), length: 24 }]),
    ],
    [
      'an ALLOW with a /40 IPv4 source range',
      allowFrontendFrom([{ address: new Uint8Array([10, 0, 1, 5]), length: 40 }]),
    ],
  ])('%s is rejected and its stand-in is no wider than any reading', (_name, init) => {
    const msg = create(security.AuthorizationSchema, init);
    expect(() => authorizationFromProto(msg)).toThrow(AuthorizationRejectedError);
    let standIn: L4Policy | undefined;
    try {
      authorizationFromProto(msg);
    } catch (err) {
      if (err instanceof AuthorizationRejectedError) standIn = failClosedStandIn(err);
    }
    expect(standIn).toBeDefined();
    for (const probe of PROBES) {
      if (evaluateL4([standIn!], probe).allowed)
        expect(evaluateL4([upstreamReading], probe).allowed).toBe(true);
    }
    // The dropped-value reading would let frontend in from any address; the stand-in does not.
    expect(evaluateL4([upstreamReading], PROBES[0]!).allowed).toBe(true);
    expect(evaluateL4([standIn!], PROBES[0]!).allowed).toBe(false);
  });
});
