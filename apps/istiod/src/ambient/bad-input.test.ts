// Malformed custom resources: every case ends in a status condition or a
// logged warning, never a thrown error, and never in more access than the
// object could have meant.

import { describe, expect, it } from 'vitest';
import type { workload } from '@ambient-ts/xds-types';
import { security } from '@ambient-ts/xds-types';
import type { AmbientIndex } from './ambient-index.js';
import {
  authorizationPolicy,
  newIndex,
  peerAuthentication,
  pod,
  serviceEntry,
  waypointGateway,
} from './testing/fixtures.js';

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
