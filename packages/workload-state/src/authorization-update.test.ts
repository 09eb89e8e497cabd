import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { evaluateL4 } from '@ambient-ts/policy';
import { AUTHORIZATION_TYPE_URL, security, type ResourceUpdate } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { testWorkload } from './testing/fixtures.js';
import {
  applyAuthorizationUpdate,
  authorizationSubscription,
  type WireResource,
} from './resource-handlers.js';
import { createStateStore } from './store.js';

type AuthzInit = Exclude<
  MessageInitShape<typeof security.AuthorizationSchema>,
  security.Authorization
>;

const policy = (namespace: string, name: string, fields: AuthzInit = {}): security.Authorization =>
  create(security.AuthorizationSchema, {
    name,
    namespace,
    scope: security.Scope.NAMESPACE,
    action: security.Action.DENY,
    rules: [{ clauses: [{ matches: [{ destinationPorts: [9090] }] }] }],
    ...fields,
  });

/** A DENY whose source range is 3 bytes long: unreadable, so rejected. */
const badCidr = (namespace: string, name: string, fields: AuthzInit = {}): security.Authorization =>
  policy(namespace, name, {
    rules: [
      { clauses: [{ matches: [{ sourceIps: [{ address: new Uint8Array(3), length: 8 }] }] }] },
    ],
    ...fields,
  });

function update(
  added: { name: string; message: WireResource<security.Authorization> }[],
  removed: string[] = [],
): ResourceUpdate<WireResource<security.Authorization>> {
  return {
    typeUrl: AUTHORIZATION_TYPE_URL,
    nonce: 'n',
    added: added.map((a) => ({ ...a, version: 'v', aliases: [] })),
    removed,
  };
}
const ok = (m: security.Authorization): WireResource<security.Authorization> => ({
  ok: true,
  message: m,
});

const inNs = testWorkload('a', '10.0.0.2', { namespace: 'ns' });
const elsewhere = testWorkload('b', '10.0.0.3', { namespace: 'other' });
const conn = (port: number) => ({
  sourceIp: '10.0.0.9',
  destinationIp: '10.0.0.2',
  destinationPort: port,
});
function allowed(s: ReturnType<typeof createStateStore>, w: typeof inNs, port: number): boolean {
  const sel = s.state.policiesFor(w);
  return evaluateL4(sel.policies, conn(port), { missingPolicies: sel.missing }).allowed;
}

describe('an Authorization response with a rejected resource', () => {
  it('applies the valid ones, names the rejected ones, and denies all in the rejected one’s scope', () => {
    const s = createStateStore();
    const changes: unknown[] = [];
    s.state.onChange((c) => changes.push(c));
    const out = applyAuthorizationUpdate(
      s.updater,
      update([
        { name: 'ns/good', message: ok(policy('ns', 'good')) },
        { name: 'ns/bad', message: ok(badCidr('ns', 'bad')) },
      ]),
    );
    expect(out.rejected.map((r) => r.name)).toEqual(['ns/bad']);
    expect(out.rejected[0]?.reason).toMatch(
      /ns\/bad: rules\[0\]\.clauses\[0\]\.matches\[0\]\.sourceIps\[0\]/,
    );
    expect(s.state.policy('ns/good')?.rules).toHaveLength(1);
    expect(s.state.policy('ns/bad')).toMatchObject({
      scope: 'NAMESPACE',
      action: 'DENY',
      rules: [{ clauses: [] }],
    });
    expect([...s.state.failedClosedPolicies().keys()]).toEqual(['ns/bad']);
    expect(allowed(s, inNs, 80)).toBe(false);
    expect(allowed(s, elsewhere, 80)).toBe(true);
    // One response, one change.
    expect(changes).toEqual([{ kind: 'policies', policies: ['ns/good', 'ns/bad'] }]);
  });

  it('replaces an older good version of the rejected key instead of keeping it', () => {
    const s = createStateStore();
    applyAuthorizationUpdate(s.updater, update([{ name: 'ns/p', message: ok(policy('ns', 'p')) }]));
    expect(allowed(s, inNs, 80)).toBe(true);
    applyAuthorizationUpdate(
      s.updater,
      update([{ name: 'ns/p', message: ok(badCidr('ns', 'p')) }]),
    );
    expect(allowed(s, inNs, 80)).toBe(false);
    // A good version lifts the stand-in; so does removal.
    applyAuthorizationUpdate(s.updater, update([{ name: 'ns/p', message: ok(policy('ns', 'p')) }]));
    expect(allowed(s, inNs, 80)).toBe(true);
    expect(s.state.failedClosedPolicies().size).toBe(0);
    applyAuthorizationUpdate(
      s.updater,
      update([{ name: 'ns/p', message: ok(badCidr('ns', 'p')) }]),
    );
    applyAuthorizationUpdate(s.updater, update([], ['ns/p']));
    expect(allowed(s, inNs, 80)).toBe(true);
    expect(s.state.failedClosedPolicies().size).toBe(0);
  });

  it('turns a rejected ALLOW into allow-nothing for the workloads that reference it', () => {
    const s = createStateStore();
    applyAuthorizationUpdate(
      s.updater,
      update([
        {
          name: 'ns/sel',
          message: ok(
            badCidr('ns', 'sel', {
              scope: security.Scope.WORKLOAD_SELECTOR,
              action: security.Action.ALLOW,
            }),
          ),
        },
      ]),
    );
    const selected = { ...inNs, authorizationPolicies: ['ns/sel'] };
    expect(allowed(s, selected, 80)).toBe(false);
    expect(allowed(s, inNs, 80)).toBe(true);
  });

  it('denies mesh-wide for a resource that cannot be decoded, or whose name does not match', () => {
    for (const message of [
      { ok: false, reason: 'bytes are not an istio.security.Authorization' } as const,
      ok(policy('ns', 'someone-else')),
    ]) {
      const s = createStateStore();
      const out = applyAuthorizationUpdate(s.updater, update([{ name: 'ns/x', message }]));
      expect(out.rejected.map((r) => r.name)).toEqual(['ns/x']);
      expect(s.state.policy('ns/x')).toMatchObject({ scope: 'GLOBAL', action: 'DENY' });
      expect(allowed(s, elsewhere, 80)).toBe(false);
    }
  });

  it('is decoded leniently by the subscription: an undecodable body is one rejected resource', () => {
    const s = createStateStore();
    const sub = authorizationSubscription(s.updater);
    const decoded = sub.decode(
      create(AnySchema, { typeUrl: AUTHORIZATION_TYPE_URL, value: new Uint8Array([0xff, 0xff]) }),
    );
    expect(decoded.ok).toBe(false);
  });
});
