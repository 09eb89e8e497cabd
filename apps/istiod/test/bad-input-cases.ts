// Bad input against the CRD schemas we ship, on the real API server of the
// integration suite (istiod.integration.test.ts registers these cases inside
// its own describe, so they reuse its control plane and istiod).
//
// Two kinds of bad input, as a cluster without istio's validating webhook sees
// them: what the shipped schemas forbid is refused by the API server with 422
// and never reaches istiod; what they admit but is semantically wrong reaches
// istiod, which reports it (a status condition, or a logged warning where
// upstream keeps no status) and never lets more traffic through than before.

import { security } from '@ambient-ts/xds-types';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Istiod } from '../src/istiod.js';
import { KubeApiError, type KubeApi } from '../src/kube/kube-api.js';
import type { Condition, KubeObject } from '../src/kube/objects.js';
import { RESOURCES, type ResourceType } from '../src/kube/resources.js';
import type {
  RecordedUpdate,
  RecordingAdsClient,
  RecordingClientOptions,
} from '../src/xds/testing/recording-ads-client.js';
import { ensureNamespace, ensureServiceAccount, runPod, until } from './support/cluster-helpers.js';
import type { LogRecorder } from './support/log-recorder.js';

export interface SuiteEnv {
  readonly api: KubeApi;
  readonly istiod: Istiod;
  readonly logs: LogRecorder;
  client(options?: Partial<RecordingClientOptions>): RecordingAdsClient;
}

const NS = 'bad-input';
const STATIC_STRICT = 'istio-system/istio_converted_static_strict';
const AP = RESOURCES.authorizationPolicies;
const PA = RESOURCES.peerAuthentications;
const uid = (pod: string): string => `Kubernetes//Pod/${NS}/${pod}`;

function object(type: ResourceType, name: string, spec: unknown): KubeObject {
  return {
    apiVersion: `${type.group}/${type.version}`,
    kind: type.kind,
    metadata: { name, namespace: NS },
    spec,
  };
}

/** Whether an update touched this namespace's objects (other tests' leftovers settle elsewhere). */
function inThisNamespace(u: RecordedUpdate): boolean {
  const mine = (n: string): boolean => n.startsWith(`${NS}/`) || n.includes(`/Pod/${NS}/`);
  return (
    [...u.added, ...u.removed].some(mine) ||
    (u.typeUrl.endsWith('Authorization') && u.added.length + u.removed.length > 0)
  );
}

export function describeBadInput(env: () => SuiteEnv): void {
  describe('bad input with the shipped CRD schemas', () => {
    let c: RecordingAdsClient;
    let logMark = 0;
    let sentinels = 0;
    const created: [ResourceType, string][] = [];

    const policiesOf = (pod: string): readonly string[] | undefined => {
      const a = c.addresses.get(uid(pod));
      return a?.type.case === 'workload' ? a.type.value.authorizationPolicies : undefined;
    };

    /**
     * Whether these pods list the policy and the client holds it. Addresses are
     * pushed before Authorizations, so the listing alone may arrive first.
     */
    const enforcedOn = (policy: string, ...pods: string[]): boolean =>
      c.authorizations.has(policy) && pods.every((p) => policiesOf(p)?.includes(policy) === true);

    async function apply(type: ResourceType, name: string, spec: unknown): Promise<void> {
      await env().api.create(type, object(type, name, spec));
      created.push([type, name]);
    }

    /** istiod's condition of this type on the object, once it has written one. */
    function condition(
      type: ResourceType,
      name: string,
      conditionType: string,
    ): Promise<Condition> {
      return until(`${conditionType} on ${type.kind} ${NS}/${name}`, async () => {
        const obj = await env().api.get(type, name, NS);
        const conditions =
          (obj?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
        return conditions.find((x) => x.type === conditionType);
      });
    }

    /**
     * The updates the client received since `from` that touch this namespace
     * or any policy, up to a sentinel Service created now: once the sentinel
     * arrives, everything istiod derived before it has arrived too.
     */
    async function updatesSince(from: number): Promise<RecordedUpdate[]> {
      sentinels += 1;
      const name = `sentinel-${sentinels}`;
      const key = `${NS}/${name}.${NS}.svc.cluster.local`;
      const { api } = env();
      await api.create(RESOURCES.services, {
        metadata: { name, namespace: NS },
        spec: { ports: [{ name: 'tcp', port: 9 }] },
      });
      await c.waitFor(`sentinel ${name}`, () => c.addresses.has(key));
      const seen = c.updates
        .slice(from)
        .map((u) => ({ ...u, added: u.added.filter((n) => n !== key) }))
        .filter(inThisNamespace);
      await api.delete(RESOURCES.services, name, NS);
      await c.waitFor(`sentinel ${name} removed`, () => !c.addresses.has(key));
      return seen;
    }

    beforeAll(async () => {
      const { api } = env();
      await ensureNamespace(api, NS, { 'istio.io/dataplane-mode': 'ambient' });
      for (const sa of ['guarded', 'bystander']) await ensureServiceAccount(api, NS, sa);
      await runPod(api, NS, 'guarded', {
        node: 'node-1',
        ip: '10.244.1.30',
        serviceAccount: 'guarded',
        labels: { app: 'guarded' },
      });
      await runPod(api, NS, 'bystander', {
        node: 'node-2',
        ip: '10.244.2.30',
        serviceAccount: 'bystander',
        labels: { app: 'bystander' },
      });
      c = env().client();
      await c.client.whenReady();
      await c.waitFor(
        'both pods, with no policy',
        () => policiesOf('guarded')?.length === 0 && policiesOf('bystander')?.length === 0,
      );
      logMark = env().logs.entries.length;
    });

    afterEach(async () => {
      const { api, istiod, logs } = env();
      for (const [type, name] of created.splice(0)) await api.delete(type, name, NS);
      await c.waitFor(
        'the namespace back to no policy',
        () =>
          policiesOf('guarded')?.length === 0 &&
          policiesOf('bystander')?.length === 0 &&
          !c.authorizations.has(STATIC_STRICT) &&
          ![...c.authorizations.keys()].some((k) => k.startsWith(`${NS}/`)),
      );
      // Never a crash: istiod still serves, and nothing failed inside it.
      expect(istiod.notReadyReason()).toBeUndefined();
      expect(logs.internalErrors(logMark)).toEqual([]);
      logMark = logs.entries.length;
    });

    it('refuses what the schemas forbid with 422 before istiod sees it, and xDS stays exactly as it was', async () => {
      const { api, logs } = env();
      const from = c.updates.length;
      const refused: [ResourceType, string, unknown, string][] = [
        [
          AP,
          'permit',
          { action: 'PERMIT', rules: [{}] },
          'spec.action: Unsupported value: "PERMIT"',
        ],
        [
          AP,
          'numeric-port',
          { action: 'DENY', rules: [{ to: [{ operation: { ports: [15000] } }] }] },
          'spec.rules[0].to[0].operation.ports[0]',
        ],
        [
          AP,
          'numeric-label',
          { selector: { matchLabels: { app: 7 } }, action: 'DENY', rules: [{}] },
          'spec.selector.matchLabels.app',
        ],
        [
          AP,
          'keyless-when',
          { rules: [{ when: [{ values: ['10.0.0.1'] }] }] },
          'spec.rules[0].when[0].key: Required value',
        ],
        [
          AP,
          'nameless-target',
          { targetRefs: [{ kind: 'Service' }], rules: [{}] },
          'spec.targetRefs[0].name: Required value',
        ],
        [PA, 'mutual', { mtls: { mode: 'MUTUAL' } }, 'spec.mtls.mode: Unsupported value: "MUTUAL"'],
        [
          PA,
          'port-sometimes',
          {
            selector: { matchLabels: { app: 'guarded' } },
            portLevelMtls: { '8080': { mode: 'SOMETIMES' } },
          },
          'Unsupported value: "SOMETIMES"',
        ],
        [
          RESOURCES.serviceEntries,
          'no-hosts',
          { addresses: ['240.0.0.1'], resolution: 'STATIC' },
          'spec.hosts: Required value',
        ],
        [
          RESOURCES.serviceEntries,
          'bogus-resolution',
          { hosts: ['x.example.com'], resolution: 'BOGUS' },
          'spec.resolution: Unsupported value: "BOGUS"',
        ],
        [
          RESOURCES.gateways,
          'port-zero',
          {
            gatewayClassName: 'istio-waypoint',
            listeners: [{ name: 'mesh', port: 0, protocol: 'HBONE' }],
          },
          'spec.listeners[0].port',
        ],
        [
          RESOURCES.gateways,
          'no-listeners',
          { gatewayClassName: 'istio-waypoint', listeners: [] },
          'spec.listeners',
        ],
        [
          RESOURCES.httpRoutes,
          'huge-port',
          {
            parentRefs: [{ group: '', kind: 'Service', name: 'guarded' }],
            rules: [{ backendRefs: [{ name: 'guarded', port: 70000 }] }],
          },
          'spec.rules[0].backendRefs[0].port',
        ],
      ];
      for (const [type, name, spec, expected] of refused) {
        const error = await api.create(type, object(type, name, spec)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, `${type.kind} ${name}`).toBeInstanceOf(KubeApiError);
        expect((error as KubeApiError).statusCode, `${type.kind} ${name}`).toBe(422);
        expect((error as KubeApiError).message).toContain(expected);
        expect(await api.get(type, name, NS)).toBeUndefined();
      }
      expect(await updatesSince(from)).toEqual([]);
      // istiod never saw the refused objects: it has nothing to say about them.
      expect(
        logs.entries
          .slice(logMark)
          .filter((e) => e.level === 'warn' && String(e.fields.object).includes(`/${NS}/`)),
      ).toEqual([]);
    });

    it('a DENY whose selector has a wildcard is admitted, marked Invalid, and denies everything in its namespace', async () => {
      const { logs } = env();
      await apply(AP, 'wild-deny', {
        selector: { matchLabels: { app: 'guard*' } },
        action: 'DENY',
        rules: [{ from: [{ source: { namespaces: ['evil'] } }] }],
      });
      // Which pods `guard*` meant cannot be known: the deny-all stand-in covers
      // every workload of the namespace rather than none.
      await c.waitFor('the stand-in on both workloads', () =>
        enforcedOn(`${NS}/wild-deny`, 'guarded', 'bystander'),
      );
      const auth = c.authorizations.get(`${NS}/wild-deny`);
      expect(auth).toMatchObject({
        action: security.Action.DENY,
        scope: security.Scope.WORKLOAD_SELECTOR,
      });
      expect(auth?.rules.map((r) => r.clauses)).toEqual([[]]);
      const cond = await condition(AP, 'wild-deny', 'ZtunnelAccepted');
      expect(cond.reason).toBe('Invalid');
      expect(cond.message).toContain('wildcard is not supported in selector: "app=guard*"');
      expect(cond.message).toContain('enforced at ztunnel as deny-all for its scope until fixed');
      expect(logs.warningsAbout(`AuthorizationPolicy/${NS}/wild-deny`)).toEqual([
        expect.stringContaining('wildcard is not supported in selector'),
      ]);
    });

    it('a Kubernetes-style matchExpressions selector is pruned by the schema, so the DENY covers the whole namespace, with a warning', async () => {
      const { api, logs } = env();
      await apply(AP, 'expressions', {
        selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['guarded'] }] },
        action: 'DENY',
        rules: [{ from: [{ source: { namespaces: ['evil'] } }] }],
      });
      // Istio's selector has matchLabels only; the API server drops the rest.
      expect((await api.get(AP, 'expressions', NS))?.spec).toMatchObject({ selector: {} });
      await c.waitFor('the DENY on both workloads', () =>
        enforcedOn(`${NS}/expressions`, 'guarded', 'bystander'),
      );
      expect(c.authorizations.get(`${NS}/expressions`)?.rules).toHaveLength(1);
      await until('the warning', () =>
        logs.warningsAbout(`AuthorizationPolicy/${NS}/expressions`).length > 0 ? true : undefined,
      );
      expect(logs.warningsAbout(`AuthorizationPolicy/${NS}/expressions`)).toEqual([
        'workload selector specified without labels',
      ]);
    });

    it('a selector with label syntax Kubernetes forbids selects no pod: Accepted as upstream, and no workload gains anything', async () => {
      const from = c.updates.length;
      // Upstream validates only wildcards and empty keys in selectors; no pod
      // can carry this label, so the ALLOW applies to nothing — as written.
      await apply(AP, 'unmatchable', {
        selector: { matchLabels: { 'not a key!': 'not a value!' } },
        action: 'ALLOW',
        rules: [{ from: [{ source: { namespaces: ['anywhere'] } }] }],
      });
      await c.waitFor('the policy', () => c.authorizations.has(`${NS}/unmatchable`));
      const cond = await condition(AP, 'unmatchable', 'ZtunnelAccepted');
      expect(cond).toMatchObject({
        status: 'True',
        reason: 'Accepted',
        message: 'attached to ztunnel',
      });
      const workloadChanges = (await updatesSince(from)).filter((u) =>
        u.typeUrl.endsWith('Address'),
      );
      expect(workloadChanges).toEqual([]);
      expect(policiesOf('guarded')).toEqual([]);
      expect(policiesOf('bystander')).toEqual([]);
    });

    it('an ALLOW with CIDRs that do not parse allows nothing rather than dropping them, with an Invalid status', async () => {
      await apply(AP, 'bad-cidrs', {
        selector: { matchLabels: { app: 'guarded' } },
        action: 'ALLOW',
        rules: [
          { from: [{ source: { ipBlocks: ['10.0.0.0/33', 'not-an-ip'], namespaces: [NS] } }] },
        ],
      });
      await c.waitFor('the stand-in on guarded', () => enforcedOn(`${NS}/bad-cidrs`, 'guarded'));
      // Dropping the bad CIDRs would leave "from this namespace" — wider than meant.
      expect(c.authorizations.get(`${NS}/bad-cidrs`)).toMatchObject({
        action: security.Action.ALLOW,
        rules: [],
      });
      expect(policiesOf('bystander')).toEqual([]);
      const cond = await condition(AP, 'bad-cidrs', 'ZtunnelAccepted');
      expect(cond.reason).toBe('Invalid');
      expect(cond.message).toContain(
        'spec.rules[0].from[0].source.ipBlocks[0]: "10.0.0.0/33" is not a CIDR range',
      );
      expect(cond.message).toContain(
        'spec.rules[0].from[0].source.ipBlocks[1]: "not-an-ip" is not an IP address',
      );
      expect(cond.message).toContain('allow-nothing');
    });

    it('an unknown `when` key makes a port-scoped DENY deny everything for its workloads, with an Invalid status', async () => {
      await apply(AP, 'unknown-when', {
        selector: { matchLabels: { app: 'guarded' } },
        action: 'DENY',
        rules: [
          {
            to: [{ operation: { ports: ['8080'] } }],
            when: [{ key: 'source.nonsense', values: ['x'] }],
          },
        ],
      });
      await c.waitFor('the stand-in on guarded', () => enforcedOn(`${NS}/unknown-when`, 'guarded'));
      expect(c.authorizations.get(`${NS}/unknown-when`)?.rules.map((r) => r.clauses)).toEqual([[]]);
      const cond = await condition(AP, 'unknown-when', 'ZtunnelAccepted');
      expect(cond.reason).toBe('Invalid');
      expect(cond.message).toContain(
        'spec.rules[0].when[0].key: unknown attribute: source.nonsense',
      );
    });

    it('a PeerAuthentication with a port-level key that is not a port is enforced as STRICT, with a logged warning', async () => {
      const { logs } = env();
      // The schema types portLevelMtls values (the mode enum), not its keys.
      await apply(PA, 'named-port', {
        selector: { matchLabels: { app: 'guarded' } },
        mtls: { mode: 'PERMISSIVE' },
        portLevelMtls: { http: { mode: 'DISABLE' } },
      });
      await c.waitFor('guarded under the static STRICT policy', () =>
        enforcedOn(STATIC_STRICT, 'guarded'),
      );
      expect(c.authorizations.get(STATIC_STRICT)).toMatchObject({
        action: security.Action.DENY,
      });
      expect(policiesOf('bystander')).toEqual([]);
      // Upstream keeps no status on PeerAuthentication: the report is the log.
      await until('the warning', () =>
        logs.warningsAbout(`PeerAuthentication/${NS}/named-port`).length > 0 ? true : undefined,
      );
      expect(logs.warningsAbout(`PeerAuthentication/${NS}/named-port`)).toEqual([
        expect.stringMatching(/"http" is not a port .*enforced as STRICT until fixed$/),
      ]);
    });

    it('an HTTPRoute whose parent Service does not exist is admitted, logged with upstream’s message, and attaches to nothing', async () => {
      const { istiod, logs } = env();
      const listenersBefore = [...istiod.index.listeners.names()].sort();
      await apply(RESOURCES.httpRoutes, 'orphan', {
        parentRefs: [{ group: '', kind: 'Service', name: 'nowhere', port: 80 }],
        rules: [{ backendRefs: [{ name: 'guarded', port: 80 }] }],
      });
      // Upstream also sets the route's parent status to Accepted=False
      // (NoMatchingParent); istiod writes no HTTPRoute status, so the log is the report.
      await until('the warning', () =>
        logs.warningsAbout(`HTTPRoute/${NS}/orphan`).length > 0 ? true : undefined,
      );
      expect(logs.warningsAbout(`HTTPRoute/${NS}/orphan`)).toEqual([
        'parent service: "nowhere" not found',
      ]);
      expect([...istiod.index.listeners.names()].sort()).toEqual(listenersBefore);
    });
  });
}
