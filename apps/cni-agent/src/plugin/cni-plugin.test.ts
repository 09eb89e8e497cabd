import { describe, expect, it } from 'vitest';
import { buildPluginEntry } from '../plugin-conf.js';
import { DEFAULT_ENABLEMENT_SELECTORS, type PodFacts } from '../enablement.js';
import { decodeCmdAddEvent } from '../plugin-event.js';
import {
  CniPluginError,
  nodeRootOf,
  parseCniArgs,
  runPlugin,
  type CniEnv,
  type PluginDeps,
} from './cni-plugin.js';

const entry = buildPluginEntry({
  cniAgentRunDir: '/var/run/istio-cni',
  pluginLogLevel: 'info',
  ambientEnabled: true,
  enablementSelectors: DEFAULT_ENABLEMENT_SELECTORS,
  excludeNamespaces: ['kube-system', 'istio-system'],
  podNamespace: 'istio-system',
  kubeconfig: '/var/run/istio-cni/istio-cni-kubeconfig',
  cniBinDir: '/opt/cni/bin',
});
const prevResult = {
  cniVersion: '1.0.0',
  interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/cni-1' }],
  ips: [{ address: '10.244.1.9/24', gateway: '10.244.1.1', interface: 0 }],
};
const stdin = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({ cniVersion: '1.0.0', name: 'k8s-pod-network', ...entry, prevResult, ...over });
const env = (ns = 'bookinfo', command = 'ADD'): CniEnv => ({
  command,
  containerId: 'c1',
  netns: '/var/run/netns/cni-1',
  args: parseCniArgs(
    `IgnoreUnknown=1;K8S_POD_NAMESPACE=${ns};K8S_POD_NAME=details-v1-x;K8S_POD_INFRA_CONTAINER_ID=c1`,
  ),
});

function deps(opts: {
  nsLabels?: Record<string, string>;
  pod?: PodFacts;
  agent?: { status: number; body: string } | Error;
}) {
  const posts: { socket: string; body: string }[] = [];
  const reads: string[] = [];
  const d: PluginDeps = {
    readPod: (_s, ns, name) => {
      reads.push(`pod ${ns}/${name}`);
      return Promise.resolve(
        opts.pod ?? { metadata: { name, namespace: ns, labels: {} }, spec: {} },
      );
    },
    readNamespaceLabels: (_s, ns) => {
      reads.push(`ns ${ns}`);
      return Promise.resolve(opts.nsLabels ?? {});
    },
    postCmdAdd: (socket, body) => {
      posts.push({ socket, body });
      const a = opts.agent ?? { status: 200, body: 'ok' };
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  };
  return { d, posts, reads };
}

const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

describe('the istio-cni CNI plugin', () => {
  it('for an ambient pod posts the event to the agent socket and passes prevResult through', async () => {
    const { d, posts } = deps({ nsLabels: AMBIENT });
    await expect(runPlugin(env(), stdin(), d)).resolves.toEqual(prevResult);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.socket).toBe('/var/run/istio-cni/pluginevent.sock');
    expect(decodeCmdAddEvent(posts[0]!.body)).toEqual({
      netns: '/var/run/netns/cni-1',
      podName: 'details-v1-x',
      podNamespace: 'bookinfo',
      ips: [{ ip: '10.244.1.9', prefixLength: 24, gateway: '10.244.1.1', interface: 0 }],
    });
  });

  it('leaves a non-ambient pod alone without contacting the agent', async () => {
    const { d, posts } = deps({});
    await expect(runPlugin(env(), stdin(), d)).resolves.toEqual(prevResult);
    expect(posts).toEqual([]);
  });

  it('skips excluded namespaces without even reading the API (works with the API down)', async () => {
    const { d, posts, reads } = deps({ nsLabels: AMBIENT });
    await expect(runPlugin(env('kube-system'), stdin(), d)).resolves.toEqual(prevResult);
    expect(reads).toEqual([]);
    expect(posts).toEqual([]);
  });

  it("fails the ADD with upstream's message when the agent is unreachable or refuses", async () => {
    const down = deps({
      nsLabels: AMBIENT,
      agent: new Error('connect ENOENT /var/run/istio-cni/pluginevent.sock'),
    });
    const err = await runPlugin(env(), stdin(), down.d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CniPluginError);
    expect((err as CniPluginError).msg).toBe(
      'istio-cni cmdAdd failed to contact node Istio CNI agent',
    );
    expect((err as CniPluginError).details).toMatch(/ENOENT/);
    const refused = deps({
      nsLabels: AMBIENT,
      agent: { status: 500, body: 'no ztunnel connection\n' },
    });
    await expect(runPlugin(env(), stdin(), refused.d)).rejects.toThrow(
      /500: no ztunnel connection/,
    );
  });

  it('refuses to run unchained (no prevResult)', async () => {
    const { d } = deps({ nsLabels: AMBIENT });
    await expect(runPlugin(env(), stdin({ prevResult: undefined }), d)).rejects.toThrow(/chained/);
  });

  it('DEL and CHECK print nothing and touch nothing; VERSION lists versions', async () => {
    const { d, posts, reads } = deps({ nsLabels: AMBIENT });
    await expect(runPlugin(env('bookinfo', 'DEL'), stdin(), d)).resolves.toBeUndefined();
    await expect(runPlugin(env('bookinfo', 'CHECK'), stdin(), d)).resolves.toBeUndefined();
    expect([...posts, ...reads]).toEqual([]);
    await expect(runPlugin(env('bookinfo', 'VERSION'), '', d)).resolves.toMatchObject({
      supportedVersions: expect.arrayContaining(['0.3.1', '1.0.0']) as unknown,
    });
  });

  it('a sidecar pod in an ambient namespace is not captured', async () => {
    const { d, posts } = deps({
      nsLabels: AMBIENT,
      pod: {
        metadata: { namespace: 'bookinfo', annotations: { 'sidecar.istio.io/status': '{}' } },
      },
    });
    await runPlugin(env(), stdin(), d);
    expect(posts).toEqual([]);
  });

  it('parses CNI_ARGS', () => {
    expect(parseCniArgs('IgnoreUnknown=1;K8S_POD_NAME=a=b;junk')).toEqual({
      IgnoreUnknown: '1',
      K8S_POD_NAME: 'a=b',
    });
  });
});

describe('where the node root is', () => {
  it('is empty on a real node and the prefix when the plugin runs from <root>/opt/cni/bin', () => {
    expect(nodeRootOf('/opt/cni/bin/istio-cni', '/opt/cni/bin')).toBe('');
    expect(nodeRootOf('/tmp/c/nodes/n1/opt/cni/bin/istio-cni', '/opt/cni/bin/')).toBe(
      '/tmp/c/nodes/n1',
    );
    expect(nodeRootOf('/home/kubernetes/bin/istio-cni', '/opt/cni/bin')).toBe('');
    expect(nodeRootOf(undefined, '/opt/cni/bin')).toBe('');
  });

  it('reads the agent socket under the node root', async () => {
    const { d, posts } = deps({ nsLabels: AMBIENT });
    await runPlugin({ ...env(), self: '/n1/opt/cni/bin/istio-cni' }, stdin(), d);
    expect(posts[0]!.socket).toBe('/n1/var/run/istio-cni/pluginevent.sock');
  });
});
