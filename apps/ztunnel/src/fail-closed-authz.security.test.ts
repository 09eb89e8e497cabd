// Issue 12 finding 1 without network namespaces (runs everywhere; the netns
// lab variant is test/fail-closed-authz.security.test.ts): ztunnel's own WDS
// subscriptions behind the real delta-ADS client, against the stand-in istiod's
// real delta-ADS server over gRPC on a unix socket, and ztunnel's inbound
// decision on the resulting state. One response carries a valid namespace DENY
// and an unreadable one: (a) the valid one is enforced, (b) the NACK the server
// receives names the bad one only, (c) connections in the bad one's namespace
// are denied until a good version arrives.

import { istiodXdsClient, xdsNode } from '@ambient-ts/istiod-client';
import { IstiodStandIn } from '@ambient-ts/istiod-client/testing';
import { recordAttack } from '@ambient-ts/security-table';
import { parseSpiffeId } from '@ambient-ts/spiffe';
import { createStateStore, parseIp, type ProxyState } from '@ambient-ts/workload-state';
import { AUTHORIZATION_TYPE_URL, security, workload as wl } from '@ambient-ts/xds-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideInbound } from './proxy/inbound-decision.js';
import { wdsSubscriptions } from './xds-subscriptions.js';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const PODS = { alpha: '10.1.0.1', beta: '10.1.0.2', gamma: '10.1.0.3' } as const;
type Ns = keyof typeof PODS;
const CLIENT_IP = '10.1.0.9';

describe('ztunnel over real delta ADS: a rejected Authorization fails closed', () => {
  const istiod = new IstiodStandIn();
  const { state, updater } = createStateStore();
  let client: ReturnType<typeof istiodXdsClient>;

  /** ztunnel's verdict for an HBONE connection from the client identity to the pod in `ns`, port 8080. */
  function verdict(st: ProxyState, ns: Ns): string {
    const ip = parseIp(PODS[ns])!;
    const local = st.workloadByAddress({ network: '', address: ip });
    if (!local) return `no workload for ${ns}`;
    const v = decideInbound({
      state: st,
      local,
      localIp: ip,
      peer: parseSpiffeId('spiffe://cluster.local/ns/default/sa/client'),
      srcIp: parseIp(CLIENT_IP)!,
      target: { ip, port: 8080 },
      enforceWaypoint: true,
    });
    return v.allow ? 'allowed' : `${v.status} ${v.reason}`;
  }
  const nack = (): string =>
    client.xds.snapshot().types.find((t) => t.typeUrl === AUTHORIZATION_TYPE_URL)?.lastNackError ??
    '';
  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 500 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
    if (!check()) throw new Error(`timed out waiting for ${what}`);
  }

  beforeAll(async () => {
    await istiod.start();
    for (const [ns, ip] of Object.entries(PODS)) {
      istiod.setWorkload({
        uid: `Kubernetes//Pod/${ns}/app`,
        name: 'app',
        namespace: ns,
        serviceAccount: 'app',
        addresses: [Uint8Array.from(ip.split('.').map(Number))],
        tunnelProtocol: wl.TunnelProtocol.HBONE,
        node: 'node-1',
      });
    }
    client = istiodXdsClient({
      endpoint: {
        target: `unix:${istiod.xdsSocket}`,
        tls: false,
        rootCa: undefined,
        altHostname: undefined,
        headers: {},
      },
      token: () => istiod.token,
      clusterId: 'Kubernetes',
      node: xdsNode({
        proxyType: 'ztunnel',
        instanceIp: '10.1.0.100',
        podName: 'ztunnel-x',
        podNamespace: 'istio-system',
        nodeName: 'node-1',
        proxyMetadata: {},
        jsonMetadata: {},
      }),
      subscriptions: wdsSubscriptions(updater),
      logger: quiet,
      onEvent: () => undefined,
    });
    client.xds.start();
    await client.xds.whenReady();
  });
  afterAll(async () => {
    await client.xds.close();
    client.close();
    await istiod.close();
  });

  it('applies the valid policy, NACKs the bad one by name and denies in its namespace', async () => {
    for (const ns of ['alpha', 'beta', 'gamma'] as const)
      expect(verdict(state, ns)).toBe('allowed');
    istiod.setPolicy({
      name: 'deny-8080',
      namespace: 'alpha',
      scope: security.Scope.NAMESPACE,
      action: security.Action.DENY,
      rules: [{ clauses: [{ matches: [{ destinationPorts: [8080] }] }] }],
    });
    istiod.setPolicy({
      name: 'deny-range',
      namespace: 'beta',
      scope: security.Scope.NAMESPACE,
      action: security.Action.DENY,
      rules: [
        {
          clauses: [
            { matches: [{ sourceIps: [{ address: Uint8Array.from([10, 0, 0]), length: 8 }] }] },
          ],
        },
      ],
    });
    await until(() => nack().includes('beta/deny-range'), 'the NACK');
    const nackText = nack();
    const alpha = verdict(state, 'alpha');
    const beta = verdict(state, 'beta');
    const gamma = verdict(state, 'gamma');
    expect(nackText).not.toContain('alpha/deny-8080');
    expect(alpha).toMatch(/^401 .*explicitly denied by: alpha\/deny-8080/);
    expect(beta).toMatch(/^401 .*explicitly denied by: beta\/deny-range/);
    expect(gamma).toBe('allowed');
    expect([...state.failedClosedPolicies().keys()]).toEqual(['beta/deny-range']);
    recordAttack({
      finding: '12.1 fail-closed authz',
      attack:
        'one unreadable namespace DENY next to a valid DENY in one delta response (real ADS, no netns)',
      sent: 'Authorization beta/deny-range with a 3-byte sourceIps address + valid alpha/deny-8080',
      happened: `NACK "${nackText.slice(0, 80)}…"; inbound alpha: ${alpha.slice(0, 3)}, beta: ${beta.slice(0, 3)}, gamma: ${gamma}`,
    });

    // A good version of the key arrives: the stand-in goes.
    istiod.setPolicy({
      name: 'deny-range',
      namespace: 'beta',
      scope: security.Scope.NAMESPACE,
      action: security.Action.DENY,
      rules: [{ clauses: [{ matches: [{ destinationPorts: [9999] }] }] }],
    });
    await until(() => verdict(state, 'beta') === 'allowed', 'beta allowed again');
    expect(state.failedClosedPolicies().size).toBe(0);
  });
});
