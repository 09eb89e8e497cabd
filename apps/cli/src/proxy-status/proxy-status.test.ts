import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod } from '../kube/objects.js';
import { startHarness, type Harness } from '../testing/harness.js';

function istiodPod(name: string, labels: Record<string, string> = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'istio-system',
      labels: { app: 'istiod', 'istio.io/rev': 'default', ...labels },
    },
    status: { phase: 'Running' },
  };
}

function ztunnel(pod: string, istiod: string, wds = 'SYNCED') {
  return {
    proxy: `ztunnel~10.244.0.3~${pod}.istio-system~istio-system.svc.cluster.local`,
    proxy_type: 'ztunnel',
    istio_version: '1.30.0',
    cluster_id: 'Kubernetes',
    istiod,
    types: [
      {
        type_url: 'type.googleapis.com/istio.workload.Address',
        short_name: 'WDS',
        status: wds,
        last_sent_nonce: 'a-3',
      },
      {
        type_url: 'type.googleapis.com/istio.security.Authorization',
        short_name: 'WADS',
        status: 'SYNCED',
        last_sent_nonce: 'a-2',
      },
    ],
  };
}

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('istioctl proxy-status', () => {
  it('shows istiod /debug/syncz a TokenRequest token of <istio namespace>/default for istio-ca, as upstream istioctl', async () => {
    h.api.pods.push(istiodPod('istiod-1'));
    h.api.podEndpoints.set('istio-system/istiod-1:15014/debug/syncz', '[]');
    expect((await h.run('proxy-status')).code).toBe(0);
    const [tokenRequest] = h.api.requestsTo('POST', /\/token$/);
    expect(tokenRequest?.path).toBe(
      '/api/v1/namespaces/istio-system/serviceaccounts/default/token',
    );
    expect(tokenRequest?.body).toMatchObject({
      kind: 'TokenRequest',
      spec: { audiences: ['istio-ca'], expirationSeconds: 3600 },
    });
    const [syncz] = h.api.requestsTo('GET', /\/proxy\/debug\/syncz$/);
    // In a header the API server's pod proxy passes on (it drops Authorization).
    expect(syncz?.headers['x-istio-debug-authorization']).toBe(
      `Bearer ${[...h.api.issuedTokens.keys()][0] ?? ''}`,
    );
  });

  it('prints every proxy of every running istiod, sorted by name', async () => {
    h.api.pods.push(istiodPod('istiod-1'), istiodPod('istiod-2'));
    h.api.podEndpoints.set(
      'istio-system/istiod-1:15014/debug/syncz',
      JSON.stringify([ztunnel('ztunnel-b', 'istiod-1')]),
    );
    h.api.podEndpoints.set(
      'istio-system/istiod-2:15014/debug/syncz',
      JSON.stringify([ztunnel('ztunnel-a', 'istiod-2', 'STALE')]),
    );
    const r = await h.run('proxy-status');
    expect(r).toMatchObject({
      code: 0,
      stderr: '',
      stdout:
        'NAME                       CLUSTER        ISTIOD       VERSION     SUBSCRIBED TYPES\n' +
        'ztunnel-a.istio-system     Kubernetes     istiod-2     1.30.0      2 (WADS,WDS)\n' +
        'ztunnel-b.istio-system     Kubernetes     istiod-1     1.30.0      2 (WADS,WDS)\n',
    });
    expect(h.api.requestsTo('GET', /\/pods$/)[0]?.query).toEqual({
      labelSelector: 'app=istiod',
      fieldSelector: 'status.phase=Running',
    });
  });

  it('shows per-type columns with `ps -v 1`', async () => {
    h.api.pods.push(istiodPod('istiod-1'));
    h.api.podEndpoints.set(
      'istio-system/istiod-1:15014/debug/syncz',
      JSON.stringify([ztunnel('ztunnel-a', 'istiod-1', 'STALE')]),
    );
    const r = await h.run('ps -v 1');
    expect(r.stdout).toBe(
      'NAME                       CLUSTER        CDS         ECDS        EDS         LDS         RDS         WADS       WDS       ISTIOD       VERSION\n' +
        'ztunnel-a.istio-system     Kubernetes     IGNORED     IGNORED     IGNORED     IGNORED     IGNORED     SYNCED     STALE     istiod-1     1.30.0\n',
    );
  });

  it('prints the header alone when no proxy is connected, and filters by -n', async () => {
    h.api.pods.push(istiodPod('istiod-1'));
    h.api.podEndpoints.set(
      'istio-system/istiod-1:15014/debug/syncz',
      JSON.stringify([ztunnel('ztunnel-a', 'istiod-1')]),
    );
    const r = await h.run('proxy-status -n bookinfo');
    expect(r).toMatchObject({
      code: 0,
      stdout: 'NAME     CLUSTER     ISTIOD     VERSION     SUBSCRIBED TYPES\n',
    });
  });

  it('fails as upstream when no istiod runs in the Istio namespace (-i)', async () => {
    h.api.pods.push(istiodPod('istiod-1'));
    const r = await h.run('proxy-status -i mesh');
    expect(r).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: no running Istio pods in "mesh"\n',
    });
    expect(h.api.requestsTo('GET', /\/pods$/)[0]?.path).toBe('/api/v1/namespaces/mesh/pods');
  });

  it('names the istiod that could not be asked', async () => {
    h.api.pods.push(istiodPod('istiod-1'));
    h.api.podEndpoints.set('istio-system/istiod-1:15014/debug/syncz', 500);
    const r = await h.run('proxy-status');
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^Error: could not get XDS from discovery pod "istiod-1": /);
  });

  it('selects istiod pods with --xds-label', async () => {
    h.api.pods.push(istiodPod('istiod-canary', { 'istio.io/rev': 'canary' }));
    h.api.podEndpoints.set('istio-system/istiod-canary:15014/debug/syncz', '[]');
    const r = await h.run('x ps --xds-label istio.io/rev=canary');
    expect(r.code).toBe(0);
    expect(h.api.requestsTo('GET', /\/pods$/)[0]?.query.labelSelector).toBe('istio.io/rev=canary');
  });

  it('says a ztunnel has no sync diff, and refuses one for other proxies', async () => {
    h.api.pods.push(istiodPod('istiod-1'));
    h.api.podEndpoints.set(
      'istio-system/istiod-1:15014/debug/syncz',
      JSON.stringify([ztunnel('ztunnel-a', 'istiod-1')]),
    );
    expect(await h.run('ps ztunnel-a.istio-system')).toMatchObject({
      code: 0,
      stdout: 'Sync diff is not available for ztunnel pod ztunnel-a.istio-system\n',
    });
    expect(await h.run('ps ztunnel-a -n istio-system')).toMatchObject({ code: 0 });
    expect(await h.run('ps productpage.default')).toMatchObject({
      code: 1,
      stderr: 'Error: no proxy productpage.default is connected to istiod\n',
    });
  });

  it('refuses what it cannot do instead of printing something else', async () => {
    expect(await h.run('ps -o json')).toMatchObject({ code: 1 });
    expect((await h.run('ps -o wide')).stderr).toBe('Error: output format "wide" not supported\n');
    expect((await h.run('ps --xds-address istiod:15012')).stderr).toMatch(
      /^Error: --xds-address is not supported/,
    );
    expect(await h.run('ps -v x')).toMatchObject({
      code: 64,
      stderr: expect.stringContaining(
        'invalid argument "x" for "-v, --verbosity" flag: strconv.ParseInt: parsing "x": invalid syntax',
      ) as string,
    });
    expect(h.api.requests).toHaveLength(0);
  });
});
