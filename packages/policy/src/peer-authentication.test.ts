import { toJson } from '@bufbuild/protobuf';
import { security } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { peerAuthentication } from '../test/fixtures.js';
import { PolicyValidationError } from './errors.js';
import { evaluateL4, type L4Connection } from './l4-evaluator.js';
import { authorizationFromProto } from './l4-proto.js';
import type { MtlsMode, PeerAuthn } from './model.js';
import { parsePeerAuthentication } from './parse-peer-authentication.js';
import {
  convertPeerAuthentication,
  convertPeerAuthentications,
  peerAuthenticationPolicyKeys,
  staticStrictAuthorization,
} from './peer-authentication-conversion.js';

function pa(
  spec: Record<string, unknown>,
  meta: { name?: string; namespace?: string; creationTimestamp?: string } = {},
): PeerAuthn {
  return parsePeerAuthentication(peerAuthentication(spec, meta));
}

const workloadPa = (mode: MtlsMode, ports: Record<string, MtlsMode>, name = 'wl'): PeerAuthn =>
  pa(
    {
      selector: { matchLabels: { app: 'reviews' } },
      mtls: { mode },
      portLevelMtls: Object.fromEntries(Object.entries(ports).map(([p, m]) => [p, { mode: m }])),
    },
    { name },
  );
const nsPa = (mode: MtlsMode, namespace = 'ns'): PeerAuthn =>
  pa({ mtls: { mode } }, { name: `default-${namespace}`, namespace });

const json = (a: security.Authorization | undefined): unknown =>
  a && toJson(security.AuthorizationSchema, a);

const DENY_PLAINTEXT = { matches: [{ notPrincipals: [{ presence: {} }] }] };

describe('parsePeerAuthentication', () => {
  it('reads selector, mode and port-level modes in port order', () => {
    const parsed = workloadPa('STRICT', { '9090': 'PERMISSIVE', '80': 'DISABLE' });
    expect(parsed.mtlsMode).toBe('STRICT');
    expect([...parsed.portLevelMtls]).toEqual([
      [80, 'DISABLE'],
      [9090, 'PERMISSIVE'],
    ]);
  });

  it('treats a missing mtls as UNSET', () => {
    expect(pa({}).mtlsMode).toBe('UNSET');
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['an unknown mode', { mtls: { mode: 'ON' } }, 'spec.mtls.mode', /"ON" is not a mode/],
    ['a numeric mode', { mtls: { mode: 3 } }, 'spec.mtls.mode', /expected a string/],
    [
      'port 0',
      { selector: { matchLabels: { a: 'b' } }, portLevelMtls: { '0': { mode: 'STRICT' } } },
      'spec.portLevelMtls.0',
      /not a port/,
    ],
    [
      'a named port',
      { selector: { matchLabels: { a: 'b' } }, portLevelMtls: { http: { mode: 'STRICT' } } },
      'spec.portLevelMtls.http',
      /not a port/,
    ],
    [
      'port-level mTLS without selector',
      { portLevelMtls: { '80': { mode: 'STRICT' } } },
      'spec.portLevelMtls',
      /cannot have port level mTLS/,
    ],
    [
      'an empty port-level map',
      { selector: { matchLabels: { a: 'b' } }, portLevelMtls: {} },
      'spec.portLevelMtls',
      /at least one element/,
    ],
    [
      'an unknown field',
      { mtls: { mode: 'STRICT', strict: true } },
      'spec.mtls.strict',
      /unknown field/,
    ],
  ])('rejects %s', (_name, spec, path, message) => {
    let err: unknown;
    try {
      pa(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyValidationError);
    const issue = (err as PolicyValidationError).issues.find((i) => i.path === path);
    expect(issue?.message).toMatch(message);
  });
});

describe('staticStrictAuthorization', () => {
  it('is the root-namespace DENY of connections without a principal', () => {
    expect(json(staticStrictAuthorization())).toEqual({
      name: 'istio_converted_static_strict',
      namespace: 'istio-system',
      scope: 'WORKLOAD_SELECTOR',
      action: 'DENY',
      rules: [{ clauses: [DENY_PLAINTEXT] }],
    });
    expect(json(staticStrictAuthorization({ rootNamespace: 'mesh' }))).toMatchObject({
      namespace: 'mesh',
    });
  });
});

describe('convertPeerAuthentication', () => {
  it('STRICT with a PERMISSIVE port: deny plaintext except on that port', () => {
    expect(json(convertPeerAuthentication(workloadPa('STRICT', { '9090': 'PERMISSIVE' })))).toEqual(
      {
        name: 'converted_peer_authentication_wl',
        namespace: 'ns',
        scope: 'WORKLOAD_SELECTOR',
        action: 'DENY',
        rules: [{ clauses: [DENY_PLAINTEXT, { matches: [{ notDestinationPorts: [9090] }] }] }],
      },
    );
  });

  it('PERMISSIVE (or DISABLE) with a STRICT port: deny plaintext on that port only', () => {
    for (const mode of ['PERMISSIVE', 'DISABLE'] as const) {
      expect(
        json(convertPeerAuthentication(workloadPa(mode, { '8080': 'STRICT', '8443': 'STRICT' }))),
      ).toEqual({
        name: 'converted_peer_authentication_wl',
        namespace: 'ns',
        scope: 'WORKLOAD_SELECTOR',
        action: 'DENY',
        rules: [
          {
            clauses: [
              { matches: [{ notPrincipals: [{ presence: {} }], destinationPorts: [8080] }] },
            ],
          },
          {
            clauses: [
              { matches: [{ notPrincipals: [{ presence: {} }], destinationPorts: [8443] }] },
            ],
          },
        ],
      });
    }
  });

  it('UNSET under a STRICT namespace with a PERMISSIVE port: the exemption merged with the inherited STRICT', () => {
    expect(
      json(
        convertPeerAuthentication(workloadPa('UNSET', { '9090': 'PERMISSIVE' }), {
          namespacePolicy: nsPa('STRICT'),
        }),
      ),
    ).toMatchObject({
      rules: [{ clauses: [{ matches: [{ notDestinationPorts: [9090] }] }, DENY_PLAINTEXT] }],
    });
  });

  it('UNSET under a PERMISSIVE mesh with a STRICT port: that port only', () => {
    expect(
      json(
        convertPeerAuthentication(workloadPa('UNSET', { '8080': 'STRICT' }), {
          meshPolicy: nsPa('PERMISSIVE', 'istio-system'),
        }),
      ),
    ).toMatchObject({
      rules: [
        {
          clauses: [{ matches: [{ notPrincipals: [{ presence: {} }], destinationPorts: [8080] }] }],
        },
      ],
    });
  });

  it('keeps a STRICT port under a PERMISSIVE workload even when the mesh is STRICT', () => {
    // istiod's operator precedence drops this port (and the workload then lists a missing policy).
    const converted = convertPeerAuthentication(workloadPa('PERMISSIVE', { '8080': 'STRICT' }), {
      meshPolicy: nsPa('STRICT', 'istio-system'),
    });
    expect(json(converted)).toMatchObject({
      rules: [
        {
          clauses: [{ matches: [{ notPrincipals: [{ presence: {} }], destinationPorts: [8080] }] }],
        },
      ],
    });
  });

  it('lets an UNSET namespace policy inherit a STRICT mesh', () => {
    const converted = convertPeerAuthentication(workloadPa('UNSET', { '9090': 'PERMISSIVE' }), {
      namespacePolicy: nsPa('UNSET'),
      meshPolicy: nsPa('STRICT', 'istio-system'),
    });
    expect(json(converted)).toMatchObject({
      rules: [{ clauses: [{ matches: [{ notDestinationPorts: [9090] }] }, DENY_PLAINTEXT] }],
    });
  });

  it.each<[string, PeerAuthn]>([
    [
      'STRICT on every port (the static policy covers it)',
      workloadPa('STRICT', { '80': 'STRICT' }),
    ],
    ['PERMISSIVE with PERMISSIVE ports', workloadPa('PERMISSIVE', { '80': 'PERMISSIVE' })],
    ['a namespace-wide policy', nsPa('STRICT')],
    [
      'a workload policy in the root namespace',
      pa(
        { selector: { matchLabels: { a: 'b' } }, portLevelMtls: { '80': { mode: 'STRICT' } } },
        { namespace: 'istio-system' },
      ),
    ],
    ['UNSET with an UNSET port', workloadPa('UNSET', { '80': 'UNSET' })],
  ])('sends nothing for %s', (_name, policy) => {
    expect(convertPeerAuthentication(policy)).toBeUndefined();
  });
});

describe('convertPeerAuthentications', () => {
  it('sends nothing without PeerAuthentications', () => {
    expect(convertPeerAuthentications([])).toEqual([]);
  });

  it('sends the static policy once any exists, plus converted workload policies', () => {
    const all = [
      nsPa('STRICT'),
      workloadPa('UNSET', { '9090': 'PERMISSIVE' }, 'reviews'),
      nsPa('PERMISSIVE', 'other'),
    ];
    const names = convertPeerAuthentications(all).map((a) => `${a.namespace}/${a.name}`);
    expect(names).toEqual([
      'istio-system/istio_converted_static_strict',
      'ns/converted_peer_authentication_reviews',
    ]);
  });
});

describe('peerAuthenticationPolicyKeys', () => {
  const STATIC = 'istio-system/istio_converted_static_strict';
  it.each<[string, PeerAuthn[], string[]]>([
    ['a STRICT mesh', [nsPa('STRICT', 'istio-system')], [STATIC]],
    [
      'a PERMISSIVE namespace under a STRICT mesh',
      [nsPa('STRICT', 'istio-system'), nsPa('PERMISSIVE')],
      [],
    ],
    [
      'an UNSET namespace under a STRICT mesh',
      [nsPa('STRICT', 'istio-system'), nsPa('UNSET')],
      [STATIC],
    ],
    [
      'a STRICT workload',
      [pa({ selector: { matchLabels: { a: 'b' } }, mtls: { mode: 'STRICT' } })],
      [STATIC],
    ],
    [
      'a STRICT workload with a PERMISSIVE port',
      [workloadPa('STRICT', { '9090': 'PERMISSIVE' })],
      ['ns/converted_peer_authentication_wl'],
    ],
    [
      'a PERMISSIVE workload with a STRICT port',
      [workloadPa('PERMISSIVE', { '80': 'STRICT' })],
      ['ns/converted_peer_authentication_wl'],
    ],
    [
      'an UNSET workload with a PERMISSIVE port under STRICT',
      [nsPa('STRICT'), workloadPa('UNSET', { '9090': 'PERMISSIVE' })],
      ['ns/converted_peer_authentication_wl'],
    ],
    [
      'a PERMISSIVE workload under a STRICT namespace',
      [nsPa('STRICT'), pa({ selector: { matchLabels: { a: 'b' } }, mtls: { mode: 'PERMISSIVE' } })],
      [],
    ],
    ['nothing at all', [], []],
  ])('%s', (_name, applicable, keys) => {
    expect(peerAuthenticationPolicyKeys(applicable)).toEqual(keys);
  });

  it('lets the oldest namespace policy win', () => {
    const older = pa(
      { mtls: { mode: 'PERMISSIVE' } },
      { name: 'b', creationTimestamp: '2026-01-01T00:00:00Z' },
    );
    const newer = pa(
      { mtls: { mode: 'STRICT' } },
      { name: 'a', creationTimestamp: '2026-06-01T00:00:00Z' },
    );
    expect(peerAuthenticationPolicyKeys([newer, older])).toEqual([]);
    expect(peerAuthenticationPolicyKeys([older, newer])).toEqual([]);
  });
});

describe('PeerAuthentication enforced at ztunnel', () => {
  const identity = { trustDomain: 'cluster.local', namespace: 'ns', serviceAccount: 'client' };
  const conn = (port: number, mtls: boolean): L4Connection => ({
    ...(mtls && { sourceIdentity: identity }),
    sourceIp: '10.0.0.1',
    destinationIp: '10.0.0.2',
    destinationPort: port,
  });

  it.each<[string, number, boolean, boolean]>([
    ['STRICT denies plaintext', 8080, false, false],
    ['STRICT allows mTLS', 8080, true, true],
    ['the PERMISSIVE port allows plaintext', 9090, false, true],
    ['the PERMISSIVE port allows mTLS', 9090, true, true],
  ])('%s', (_name, port, mtls, allowed) => {
    const policies = convertPeerAuthentications([workloadPa('STRICT', { '9090': 'PERMISSIVE' })])
      .slice(1) // the workload lists only its converted policy (see peerAuthenticationPolicyKeys)
      .map(authorizationFromProto);
    expect(evaluateL4(policies, conn(port, mtls)).allowed).toBe(allowed);
  });

  it('the static policy denies plaintext with its key in the reason', () => {
    const decision = evaluateL4(
      [authorizationFromProto(staticStrictAuthorization())],
      conn(80, false),
    );
    expect(decision).toEqual({
      allowed: false,
      reason: 'explicitly denied by: istio-system/istio_converted_static_strict',
      matchedPolicy: 'istio-system/istio_converted_static_strict',
    });
  });
});
