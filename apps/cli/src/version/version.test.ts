import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod } from '../kube/objects.js';
import { startHarness, type Harness } from '../testing/harness.js';
import { CLI_VERSION } from './build-info.js';
import { parseIstiodVersion, proxiesFromSyncz, renderProxyVersions } from './mesh-info.js';

function istiodPod(
  name: string,
  extra: Partial<Pod['status']> = {},
  labels: Record<string, string> = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: 'istio-system',
      labels: { app: 'istiod', istio: 'pilot', 'istio.io/rev': 'default', ...labels },
    },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: 'discovery', ready: true }],
      conditions: [{ type: 'Ready', status: 'True' }],
      ...extra,
    },
  };
}

const SYNCZ = JSON.stringify([
  { proxy: 'ztunnel-a.istio-system', proxy_type: 'ztunnel', istio_version: '1.24.0' },
  { proxy: 'waypoint-b.bookinfo', proxy_type: 'waypoint', istio_version: '1.24.0' },
  { proxy: 'gw.istio-system', proxy_type: 'router', istio_version: '1.23.2' },
]);

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('istioctl version', () => {
  it('prints client, control plane and data plane versions (short form, the default)', async () => {
    h.api.pods.push(istiodPod('istiod-1'));
    h.api.podEndpoints.set('istio-system/istiod-1:15014/version', '1.24.0-abcdef-Clean');
    h.api.podEndpoints.set('istio-system/istiod-1:15014/debug/syncz', SYNCZ);
    const r = await h.run('version');
    expect(r).toMatchObject({
      code: 0,
      stderr: '',
      stdout:
        `client version: ${CLI_VERSION}\n` +
        'control plane version: 1.24.0\n' +
        'data plane version: 1.23.2 (1 proxies), 1.24.0 (2 proxies)\n',
    });
    const [list] = h.api.requestsTo('GET', /\/pods$/);
    expect(list?.query).toEqual({
      labelSelector: 'app=istiod',
      fieldSelector: 'status.phase=Running',
    });
  });

  it('names each component when istiods disagree, and asks only ready pods on their annotated port', async () => {
    h.api.pods.push(istiodPod('istiod-1'));
    h.api.pods.push({
      ...istiodPod('istiod-2'),
      metadata: {
        ...istiodPod('istiod-2').metadata,
        annotations: { 'prometheus.io/port': '9999' },
      },
    });
    h.api.pods.push(
      istiodPod('istiod-starting', { containerStatuses: [{ name: 'discovery', ready: false }] }),
    );
    h.api.podEndpoints.set('istio-system/istiod-1:15014/version', '1.24.0-abc-Clean');
    h.api.podEndpoints.set(
      'istio-system/istiod-2:9999/version',
      JSON.stringify({ version: '1.25.0' }),
    );
    h.api.podEndpoints.set('istio-system/istiod-1:15014/debug/syncz', '[]');
    h.api.podEndpoints.set('istio-system/istiod-2:9999/debug/syncz', '[]');
    h.api.podEndpoints.set('istio-system/istiod-starting:15014/debug/syncz', '[]');
    const r = await h.run('version');
    expect(r.stdout).toBe(
      `client version: ${CLI_VERSION}\npilot version: 1.24.0\npilot version: 1.25.0\ndata plane version: none\n`,
    );
  });

  it('says Istio is not present on stderr and still prints the client version', async () => {
    const r = await h.run('version');
    expect(r).toMatchObject({
      code: 0,
      stdout: `client version: ${CLI_VERSION}\n`,
      stderr:
        'Istio is not present in the cluster: no running Istio pods in namespace "istio-system"\n',
    });
  });

  it('looks in -i and filters by -r', async () => {
    h.api.pods.push({ ...istiodPod('istiod-canary', {}, { 'istio.io/rev': 'canary' }) });
    h.api.pods[0]!.metadata.namespace = 'mesh';
    h.api.podEndpoints.set('mesh/istiod-canary:15014/version', '1.25.1-x-Clean');
    h.api.podEndpoints.set('mesh/istiod-canary:15014/debug/syncz', '[]');
    const r = await h.run('version -i mesh -r canary');
    expect(r.stdout).toContain('control plane version: 1.25.1\n');
    expect(h.api.requestsTo('GET', /\/pods$/)[0]).toMatchObject({
      path: '/api/v1/namespaces/mesh/pods',
      query: { labelSelector: 'app=istiod,istio.io/rev=canary' },
    });
  });

  it('prints only the client with --remote=false, and Go’s long form with --short=false', async () => {
    let r = await h.run('version --remote=false');
    expect(r).toMatchObject({ stdout: `client version: ${CLI_VERSION}\n`, stderr: '' });
    expect(h.api.requests).toHaveLength(0);
    r = await h.run('version --remote=false --short=false');
    expect(r.stdout).toBe(
      `client version: version.BuildInfo{Version:"${CLI_VERSION}", GitRevision:"unknown", GolangVersion:"v20.0.0", BuildStatus:"unknown", GitTag:"${CLI_VERSION}"}\n`,
    );
  });

  it('prints the long form of every istiod and proxy', async () => {
    h.api.pods.push(istiodPod('istiod-1'));
    h.api.podEndpoints.set('istio-system/istiod-1:15014/version', '1.24.0-abcdef-dirty-Modified');
    h.api.podEndpoints.set(
      'istio-system/istiod-1:15014/debug/syncz',
      JSON.stringify([
        { proxy: 'ztunnel-a.istio-system', proxy_type: 'ztunnel', istio_version: '1.24.0' },
      ]),
    );
    const r = await h.run('version -s=false');
    expect(r.stdout.split('\n').slice(1)).toEqual([
      'pilot version: version.BuildInfo{Version:"1.24.0", GitRevision:"abcdef-dirty", GolangVersion:"", BuildStatus:"Modified", GitTag:"1.24.0"}',
      'data plane version: version.ProxyInfo{ID:"ztunnel-a.istio-system", IstioVersion:"1.24.0", Type:"ztunnel"}',
      '',
    ]);
  });

  it('prints JSON and YAML in the shape of upstream’s Version struct', async () => {
    h.api.pods.push(istiodPod('istiod-1'));
    h.api.podEndpoints.set('istio-system/istiod-1:15014/version', '1.24.0-abc-Clean');
    h.api.podEndpoints.set(
      'istio-system/istiod-1:15014/debug/syncz',
      JSON.stringify([
        { proxy: 'ztunnel-a.istio-system', proxy_type: 'ztunnel', istio_version: '1.24.0' },
      ]),
    );
    const json = await h.run('version -o json');
    expect(JSON.parse(json.stdout)).toEqual({
      clientVersion: {
        version: CLI_VERSION,
        revision: 'unknown',
        golang_version: 'v20.0.0',
        status: 'unknown',
        tag: CLI_VERSION,
      },
      meshVersion: [
        {
          Component: 'pilot',
          Revision: 'default',
          Info: {
            version: '1.24.0',
            revision: 'abc',
            golang_version: '',
            status: 'Clean',
            tag: '1.24.0',
          },
        },
      ],
      dataPlaneVersion: [{ ID: 'ztunnel-a.istio-system', IstioVersion: '1.24.0', Type: 'ztunnel' }],
    });
    expect(json.stdout).toMatch(/^\{\n {2}"clientVersion": \{\n {4}"version"/);
    const yaml = await h.run('version -o yaml --remote=false');
    expect(yaml.stdout).toBe(
      `clientVersion:\n  golang_version: v20.0.0\n  revision: unknown\n  status: unknown\n  tag: ${CLI_VERSION}\n  version: ${CLI_VERSION}\n\n`,
    );
  });

  it('refuses other output formats', async () => {
    expect(await h.run('version -o table --remote=false')).toMatchObject({
      code: 1,
      stderr: "Error: --output must be 'yaml' or 'json'\n",
    });
  });

  it('keeps CLI_VERSION equal to the package version', () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      version: string;
    };
    expect(CLI_VERSION).toBe(pkg.version);
  });
});

describe('reading istiod answers', () => {
  it('reads the three /version shapes', () => {
    expect(parseIstiodVersion('1.24.0-abc-Clean')).toMatchObject({
      version: '1.24.0',
      gitRevision: 'abc',
      buildStatus: 'Clean',
    });
    expect(parseIstiodVersion('1.24.0-custom-build-abc-Clean')?.version).toBe(
      '1.24.0-custom-build',
    );
    expect(parseIstiodVersion('dev')?.version).toBe('dev');
    expect(parseIstiodVersion('{"version":"1.30.0"}')?.version).toBe('1.30.0');
    expect(
      parseIstiodVersion(
        '{"clientVersion":{"version":"1.2.3","revision":"r","status":"Clean","tag":"1.2.3"}}',
      ),
    ).toMatchObject({ version: '1.2.3', gitRevision: 'r' });
    expect(parseIstiodVersion('')).toBeUndefined();
  });

  it('maps router proxies to gateway and groups versions sorted', () => {
    const proxies = proxiesFromSyncz(SYNCZ);
    expect(proxies.map((p) => p.type)).toEqual(['ztunnel', 'waypoint', 'gateway']);
    expect(renderProxyVersions(proxies)).toBe('1.23.2 (1 proxies), 1.24.0 (2 proxies)');
    expect(() => proxiesFromSyncz('{}')).toThrow(/cannot unmarshal/);
  });
});
