// The control plane alone, for real: built binaries, the sandbox, etcd,
// apiserver, controller-manager and scheduler, reached from the host through
// the forwarder. One node is planned but no kubelet runs; the test registers
// the Node itself. Needs Linux and root; elsewhere it says why it did not run.
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node's
   request bodies are plain JSON; its model classes carry no behaviour. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidAlive } from './build/dir-lock.js';
import { cleanStaleClusters, clusterProcesses } from './cluster-dirs.js';
import { ClusterExistsError, createCluster, destroyCluster, type LocalCluster } from './cluster.js';
import { readEnv } from './config.js';
import { nodeLayout } from './control-plane/layout.js';
import { localClusterUnsupportedReason } from './host-check.js';
import { hostNetworkDiff, snapshotHostNetwork, type HostNetworkSnapshot } from './host-snapshot.js';
import { CNI_CONFLIST_FILE } from './network/cni-conflist.js';
import { consoleProgress } from './progress.js';
import { pollUntil } from './wait.js';

const unsupported = await localClusterUnsupportedReason();
if (unsupported) console.warn(`[local-cluster] control-plane test NOT RUN: ${unsupported}`);

const NAME = `lc-test-${process.pid}`;

describe.skipIf(unsupported !== undefined)('local cluster control plane (root, Linux)', () => {
  let cluster: LocalCluster;
  let before: HostNetworkSnapshot;

  beforeAll(async () => {
    before = await snapshotHostNetwork();
    cluster = await createCluster({
      name: NAME,
      nodes: 1,
      startKubelets: false,
      ownerPid: process.pid,
      progress: consoleProgress(`cluster ${NAME}`),
    });
  }, 45 * 60_000);

  afterAll(async () => {
    await destroyCluster(NAME, () => undefined);
  }, 120_000);

  it('serves the API to the host through the kubeconfig it wrote', async () => {
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public']));
    expect(cluster.kubeConfig().getCurrentCluster()?.server).toMatch(
      /^https:\/\/127\.0\.0\.1:\d+$/,
    );
  });

  it('issues projected tokens for audience istio-ca that TokenReview accepts for that audience only', async () => {
    const kc = cluster.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const tr = await core.createNamespacedServiceAccountToken({
      name: 'default',
      namespace: 'default',
      body: { spec: { audiences: ['istio-ca'], expirationSeconds: 3600 } },
    });
    const token = tr.status?.token ?? '';
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      aud: string[];
      iss: string;
      sub: string;
    };
    expect(claims.aud).toEqual(['istio-ca']);
    expect(claims.iss).toBe('https://kubernetes.default.svc.cluster.local');
    expect(claims.sub).toBe('system:serviceaccount:default:default');

    const auth = kc.makeApiClient(AuthenticationV1Api);
    const ok = await auth.createTokenReview({ body: { spec: { token, audiences: ['istio-ca'] } } });
    expect(ok.status?.authenticated).toBe(true);
    expect(ok.status?.user?.username).toBe('system:serviceaccount:default:default');
    expect(ok.status?.audiences).toEqual(['istio-ca']);
    const wrong = await auth.createTokenReview({ body: { spec: { token, audiences: ['other'] } } });
    expect(wrong.status?.authenticated).not.toBe(true);
  });

  it('gives a Node registered with its own credentials a pod CIDR, and writes that node a CNI conflist for it', async () => {
    const node = cluster.nodes[0]!;
    // The node's kubeconfig names the apiserver's bridge address (valid only
    // inside the sandbox); from the host we use its credentials via the forwarder.
    const kc = new KubeConfig();
    kc.loadFromFile(nodeLayout(cluster.layout, node.name).kubeconfig);
    const hostServer = cluster.kubeConfig().getCurrentCluster()?.server ?? '';
    kc.loadFromOptions({
      clusters: kc.clusters.map((c) => ({ ...c, server: hostServer })),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNode({
      body: {
        metadata: { name: node.name, labels: { 'kubernetes.io/os': 'linux' } },
        status: { addresses: [{ type: 'InternalIP', address: node.ip }] },
      },
    });
    // NodeRestriction: a node may not create another node.
    await expect(
      core.createNode({ body: { metadata: { name: 'someone-else' } } }),
    ).rejects.toThrow();

    const cidr = await pollUntil('a pod CIDR on the node', 30_000, async () => {
      const n = await core.readNode({ name: node.name });
      return { done: Boolean(n.spec?.podCIDR), value: n.spec?.podCIDR };
    });
    expect(cidr).toMatch(/^10\.244\.\d+\.0\/24$/);
    const conflistPath = path.join(
      nodeLayout(cluster.layout, node.name).cniConfDir,
      CNI_CONFLIST_FILE,
    );
    const conflist = await pollUntil('the node CNI conflist', 15_000, async () => {
      const text = await readFile(conflistPath, 'utf8').catch(() => '');
      return { done: text.includes(cidr ?? '?'), value: text };
    });
    expect(JSON.parse(conflist ?? '{}')).toMatchObject({
      plugins: [{ type: 'ptp' }, { type: 'portmap' }],
    });
  });

  it('puts none of its addresses, interfaces, routes or rules on the host while running', async () => {
    expect(await hostNetworkDiff(before)).toEqual([]);
  });

  it('refuses a second cluster of the same name while the first runs', async () => {
    await expect(
      createCluster({ name: NAME, nodes: 0, progress: () => undefined }),
    ).rejects.toThrow(ClusterExistsError);
  });

  it('after a crash (daemon killed), the next start removes the sandbox and every file it left', async () => {
    const procs = await clusterProcesses(cluster.layout);
    expect(procs.daemon).toBeGreaterThan(0);
    expect(procs.sandbox).toBeGreaterThan(0);
    process.kill(procs.daemon!, 'SIGKILL');
    await pollUntil('the daemon to die', 5000, () =>
      Promise.resolve({ done: !pidAlive(procs.daemon!) }),
    );
    // The sandbox outlives its daemon: exactly the stale state a crash leaves.
    expect(pidAlive(procs.sandbox!)).toBe(true);
    const removed = await cleanStaleClusters(readEnv().clustersRoot, () => undefined);
    expect(removed).toContain(NAME);
    expect(pidAlive(procs.sandbox!)).toBe(false);
    await expect(stat(cluster.stateDir)).rejects.toThrow(/ENOENT/);
    expect(await hostNetworkDiff(before)).toEqual([]);
  });
});
