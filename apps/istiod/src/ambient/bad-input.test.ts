// Malformed custom resources: every case ends in a status condition or a
// logged warning, never a thrown error, and never in more access than the
// object could have meant.

import { describe, expect, it } from 'vitest';
import type { workload } from '@ambient-ts/xds-types';
import { security } from '@ambient-ts/xds-types';
import type { KubeObject } from '../kube/objects.js';
import type { AmbientIndex } from './ambient-index.js';
import {
  authorizationPolicy,
  newIndex,
  peerAuthentication,
  pod,
  serviceEntry,
  waypointGateway,
} from './testing/fixtures.js';

function httpRoute(name: string, spec: unknown): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'default' },
    spec,
  };
}

function workloadOf(index: AmbientIndex, uid: string): workload.Workload {
  const out = index.addresses.get(uid);
  if (out?.message.type.case !== 'workload') throw new Error(`no workload ${uid}`);
  return out.message.type.value;
}

function withPods() {
  const env = newIndex();
  env.inputs.pods.upsert(pod('a', { ip: '10.0.0.1', labels: { app: 'a' } }));
  env.inputs.pods.upsert(pod('b', { ip: '10.0.0.2', labels: { app: 'b' } }));
  env.inputs.pods.upsert(pod('elsewhere', { ns: 'other', ip: '10.0.0.3', labels: { app: 'a' } }));
  env.index.flush();
  return env;
}

describe('malformed AuthorizationPolicies fail closed', () => {
  it('a DENY with an unparsable ipBlock denies everything in its scope, with an Invalid status', () => {
    const { inputs, index } = withPods();
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('deny-bad-ip', {
        selector: { matchLabels: { app: 'a' } },
        action: 'DENY',
        rules: [{ from: [{ source: { ipBlocks: ['garbage'], namespaces: ['evil'] } }] }],
      }),
    );
    const change = index.flush();
    const auth = index.authorizations.get('default/deny-bad-ip')?.message;
    expect(auth).toMatchObject({
      action: security.Action.DENY,
      scope: security.Scope.WORKLOAD_SELECTOR,
    });
    // One rule with no clauses: matches every connection.
    expect(auth?.rules).toHaveLength(1);
    expect(auth?.rules[0]?.clauses).toEqual([]);
    expect(workloadOf(index, 'cluster0//Pod/default/a').authorizationPolicies).toEqual([
      'default/deny-bad-ip',
    ]);
    expect(workloadOf(index, 'cluster0//Pod/default/b').authorizationPolicies).toEqual([]);
    const status = change.statuses
      .find((s) => s.target.name === 'deny-bad-ip')
      ?.conditions.get('ZtunnelAccepted');
    expect(status).toMatchObject({ status: 'True', reason: 'Invalid' });
    expect(status?.message).toContain('spec.rules[0].from[0].source.ipBlocks[0]');
    expect(
      change.warnings.some((w) => w.object === 'AuthorizationPolicy/default/deny-bad-ip'),
    ).toBe(true);
  });

  it('an ALLOW with a bad port allows nothing rather than dropping the port constraint', () => {
    const { inputs, index } = withPods();
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('allow-bad-port', {
        selector: { matchLabels: { app: 'b' } },
        action: 'ALLOW',
        rules: [{ to: [{ operation: { ports: ['99999'] } }] }],
      }),
    );
    index.flush();
    const auth = index.authorizations.get('default/allow-bad-port')?.message;
    expect(auth).toMatchObject({ action: security.Action.ALLOW });
    expect(auth?.rules).toEqual([]);
    expect(workloadOf(index, 'cluster0//Pod/default/b').authorizationPolicies).toEqual([
      'default/allow-bad-port',
    ]);
  });

  it('a selector whose labels cannot be read applies the fail-closed policy to every workload in the namespace', () => {
    const { inputs, index } = withPods();
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('bad-selector', {
        selector: { matchLabels: { app: 7 } },
        action: 'DENY',
        rules: [{}],
      }),
    );
    index.flush();
    expect(workloadOf(index, 'cluster0//Pod/default/a').authorizationPolicies).toEqual([
      'default/bad-selector',
    ]);
    expect(workloadOf(index, 'cluster0//Pod/default/b').authorizationPolicies).toEqual([
      'default/bad-selector',
    ]);
    expect(workloadOf(index, 'cluster0//Pod/other/elsewhere').authorizationPolicies).toEqual([]);
  });

  it('a selector with a wildcard or an empty key (refused by upstream admission) covers the whole namespace, not no workload', () => {
    const { inputs, index } = withPods();
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('wild-selector', {
        selector: { matchLabels: { app: 'a*' } },
        action: 'DENY',
        rules: [{ from: [{ source: { namespaces: ['evil'] } }] }],
      }),
    );
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('empty-key', {
        selector: { matchLabels: { '': 'a' } },
        action: 'ALLOW',
        rules: [{ from: [{ source: { namespaces: ['friends'] } }] }],
      }),
    );
    const change = index.flush();
    for (const name of ['a', 'b']) {
      expect(workloadOf(index, `cluster0//Pod/default/${name}`).authorizationPolicies).toEqual([
        'default/empty-key',
        'default/wild-selector',
      ]);
    }
    expect(workloadOf(index, 'cluster0//Pod/other/elsewhere').authorizationPolicies).toEqual([]);
    expect(index.authorizations.get('default/wild-selector')?.message.rules[0]?.clauses).toEqual(
      [],
    );
    expect(index.authorizations.get('default/empty-key')?.message.rules).toEqual([]);
    expect(change.statuses.map((s) => s.conditions.get('ZtunnelAccepted')?.reason).sort()).toEqual([
      'Invalid',
      'Invalid',
    ]);
  });

  it('an unknown action enum value is enforced as deny-all, not ignored', () => {
    const { inputs, index } = withPods();
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('weird', { action: 'MAYBE', rules: [{}] }),
    );
    const change = index.flush();
    expect(index.authorizations.get('default/weird')?.message).toMatchObject({
      action: security.Action.DENY,
      scope: security.Scope.NAMESPACE,
    });
    expect(change.statuses[0]?.conditions.get('ZtunnelAccepted')?.reason).toBe('Invalid');
  });

  it('CUSTOM is not sent to ztunnel and says so on the status, as upstream', () => {
    const { inputs, index } = withPods();
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('ext', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{}] }),
    );
    const change = index.flush();
    expect(index.authorizations.get('default/ext')).toBeUndefined();
    expect(change.statuses[0]?.conditions.get('ZtunnelAccepted')).toEqual({
      type: 'ZtunnelAccepted',
      status: 'False',
      reason: 'UnsupportedValue',
      message: 'ztunnel does not support the CUSTOM action',
    });
  });

  it('a policy whose spec is not an object does not crash the index', () => {
    const { inputs, index } = withPods();
    inputs.authorizationPolicies.upsert(authorizationPolicy('junk', 'not-a-spec'));
    inputs.authorizationPolicies.upsert(
      authorizationPolicy('junk2', { rules: 'nope', selector: [] }),
    );
    expect(() => index.flush()).not.toThrow();
  });
});

describe('other malformed objects', () => {
  it('a PeerAuthentication with an unknown mode is enforced as STRICT, with a warning', () => {
    const { inputs, index } = withPods();
    inputs.peerAuthentications.upsert(peerAuthentication('odd', { mtls: { mode: 'SOMETIMES' } }));
    const change = index.flush();
    expect(workloadOf(index, 'cluster0//Pod/default/a').authorizationPolicies).toEqual([
      'istio-system/istio_converted_static_strict',
    ]);
    expect(change.warnings.some((w) => w.message.includes('enforced as STRICT until fixed'))).toBe(
      true,
    );
  });

  it('a PeerAuthentication with a wildcard selector is enforced as STRICT for its whole namespace', () => {
    const { inputs, index } = withPods();
    inputs.peerAuthentications.upsert(
      peerAuthentication('wild', {
        selector: { matchLabels: { app: '*' } },
        mtls: { mode: 'STRICT' },
      }),
    );
    const change = index.flush();
    for (const name of ['a', 'b']) {
      expect(workloadOf(index, `cluster0//Pod/default/${name}`).authorizationPolicies).toEqual([
        'istio-system/istio_converted_static_strict',
      ]);
    }
    expect(workloadOf(index, 'cluster0//Pod/other/elsewhere').authorizationPolicies).toEqual([]);
    expect(change.warnings.some((w) => w.message.includes('wildcard is not supported'))).toBe(true);
  });

  it('an HTTPRoute whose parent Service does not exist is logged, as upstream reports it', () => {
    const { inputs, index } = withPods();
    inputs.httpRoutes.upsert(
      httpRoute('orphan', {
        parentRefs: [
          { group: '', kind: 'Service', name: 'nowhere', port: 80 },
          // A Gateway parent is not a mesh parent: no warning about a missing Service.
          { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'ingress' },
        ],
        rules: [{ backendRefs: [{ name: 'a', port: 80 }] }],
      }),
    );
    const change = index.flush();
    expect(change.warnings).toEqual([
      { object: 'HTTPRoute/default/orphan', message: 'parent service: "nowhere" not found' },
    ]);
    expect([...index.listeners.names()]).toEqual([]);
  });

  it('a ServiceEntry with garbage everywhere yields warnings and no crash', () => {
    const { inputs, index } = withPods();
    inputs.serviceEntries.upsert(
      serviceEntry('junk', {
        hosts: [1, 'ok.example'],
        addresses: 'x',
        ports: [{ number: -1 }],
        endpoints: [{}],
        workloadSelector: { labels: 5 },
      }),
    );
    const change = index.flush();
    expect(index.addresses.get('default/ok.example')).toBeDefined();
    expect(change.warnings.length).toBeGreaterThanOrEqual(3);
  });

  it('a Gateway with an address that is not an IP gives no waypoint address and a warning', () => {
    const { inputs, index } = withPods();
    inputs.gateways.upsert(
      waypointGateway('wp', { addresses: [{ type: 'IPAddress', value: '999.1.1.1' }] }),
    );
    inputs.pods.upsert(
      pod('a', { ip: '10.0.0.1', labels: { app: 'a', 'istio.io/use-waypoint': 'wp' } }),
    );
    const change = index.flush();
    expect(workloadOf(index, 'cluster0//Pod/default/a').waypoint).toBeUndefined();
    expect(
      change.warnings.some((w) => w.message.includes('"999.1.1.1" is not an IP address')),
    ).toBe(true);
  });
});
