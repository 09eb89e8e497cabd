// The whole node agent against a real Kubernetes control plane (local-cluster, no kubelet:
// the "node" is this machine, pods are processes in network namespaces the test creates),
// with the real in-pod rules, the real ZDS socket (a SEQPACKET client stands in for
// ztunnel) and the real installed CNI plugin executable. Root only; skipped, with the
// reason, when the Kubernetes binaries are not built (npm run kube:build).
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- API request bodies here are plain JSON objects */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  asNetnsFd,
  closeFd,
  connectSeqpacket,
  netnsInode,
  type SeqpacketSocket,
} from '@ambient-ts/linux-sockets';
import {
  createCluster,
  localClusterUnsupportedReason,
  silentProgress,
  type LocalCluster,
} from '@ambient-ts/local-cluster';
import { zds } from '@ambient-ts/xds-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type RunningAgent } from './agent.js';
import { loadConfig, type AgentConfig } from './config.js';
import { silentLog } from './log.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const kubeBinariesCached = (): boolean => {
  const root = path.join(process.env.HOME ?? '/root', '.cache/ambient-ts/kubernetes');
  try {
    return readdirSync(root).some((v) =>
      readdirSync(path.join(root, v)).some((go) =>
        existsSync(path.join(root, v, go, 'kube-apiserver')),
      ),
    );
  } catch {
    return false;
  }
};
const skipReason =
  (await localClusterUnsupportedReason()) ??
  (kubeBinariesCached() ? undefined : 'Kubernetes binaries not built (npm run kube:build)');
if (skipReason) console.log(`agent integration test NOT RUN: ${skipReason}`);

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const run = `cniag${process.pid.toString(36)}${Date.now().toString(36).slice(-3)}`;
const NODE = `${run}-node`;
const NS = `${run}-apps`;
const octet = (process.pid % 200) + 20;

interface FakePod {
  readonly name: string;
  readonly netns: string;
  readonly ip: string;
  sleeper?: ChildProcess;
  uid?: string;
}

/** A ztunnel stand-in that acks everything and records what it got (fd → netns inode). */
class Ztunnel {
  readonly got: { kind: string; uid: string; inode?: number }[] = [];
  #sock: SeqpacketSocket | undefined;
  async connect(socketPath: string): Promise<void> {
    const sock = await connectSeqpacket(socketPath);
    this.#sock = sock;
    sock.on('message', (data, fds) => {
      const p = fromBinary(zds.WorkloadRequestSchema, data).payload;
      const uid = p.case === 'add' || p.case === 'keep' || p.case === 'del' ? p.value.uid : '';
      const fd = fds[0];
      this.got.push({
        kind: p.case ?? '?',
        uid,
        ...(fd !== undefined ? { inode: netnsInode(asNetnsFd(fd)) } : {}),
      });
      for (const f of fds) closeFd(f);
      void sock.send(
        toBinary(
          zds.WorkloadResponseSchema,
          create(zds.WorkloadResponseSchema, { payload: { case: 'ack', value: { error: '' } } }),
        ),
      );
    });
    await sock.send(
      toBinary(zds.ZdsHelloSchema, create(zds.ZdsHelloSchema, { version: zds.Version.V1 })),
    );
  }
  close(): void {
    this.#sock?.close();
  }
}

const iptablesSave = (ns: string): string =>
  execFileSync('ip', ['netns', 'exec', ns, 'iptables-save'], { encoding: 'utf8' });

describe.skipIf(skipReason !== undefined)('the node agent on a real control plane (root)', () => {
  let cluster: LocalCluster;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let root: string;
  let config: AgentConfig;
  let agent: RunningAgent | undefined;
  const ztunnels: Ztunnel[] = [];
  const original = {
    cniVersion: '1.0.0',
    name: 'test-net',
    plugins: [{ type: 'ptp', ipam: { type: 'host-local' } }],
  };
  const pods: FakePod[] = [
    { name: 'running', netns: `${run}-a`, ip: `10.251.${octet}.10` },
    { name: 'created', netns: `${run}-b`, ip: `10.251.${octet}.11` },
  ];
  const byName = (n: string): FakePod => pods.find((p) => p.name === n)!;

  const makePodNetns = async (p: FakePod): Promise<void> => {
    execFileSync('ip', ['netns', 'add', p.netns]);
    execFileSync('ip', ['-n', p.netns, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', [
      '-n',
      p.netns,
      'link',
      'add',
      'eth0',
      'type',
      'veth',
      'peer',
      'name',
      'eth1',
    ]);
    execFileSync('ip', ['-n', p.netns, 'addr', 'add', `${p.ip}/24`, 'dev', 'eth0']);
    execFileSync('ip', ['-n', p.netns, 'link', 'set', 'eth0', 'up']);
    p.sleeper = spawn('ip', ['netns', 'exec', p.netns, 'sleep', '300'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 200));
  };

  const createPod = async (name: string): Promise<V1Pod> =>
    core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name, labels: { app: name } },
        spec: {
          nodeName: NODE,
          serviceAccountName: 'default',
          automountServiceAccountToken: false,
          containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }],
        },
      },
    });

  const annotation = async (name: string): Promise<string | undefined> =>
    (await core.readNamespacedPod({ name, namespace: NS })).metadata?.annotations?.[
      'ambient.istio.io/redirection'
    ];

  const start = async (): Promise<void> => {
    agent = await startAgent(
      config,
      process.env.CNI_AGENT_TEST_LOG ? (await import('pino')).pino({ level: 'debug' }) : silentLog,
    );
    const z = new Ztunnel();
    await z.connect(path.join(root, 'var/run/ztunnel/ztunnel.sock'));
    ztunnels.push(z);
  };

  beforeAll(async () => {
    cluster = await createCluster({
      name: run,
      nodes: 0,
      startKubelets: false,
      ownerPid: process.pid,
      progress: silentProgress,
    });
    kc = cluster.kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    root = mkdtempSync(path.join(tmpdir(), `${run}-`));
    for (const d of ['etc/cni/net.d', 'opt/cni/bin', 'var/run/istio-cni', 'var/run/ztunnel'])
      mkdirSync(path.join(root, d), { recursive: true });
    writeFileSync(path.join(root, 'etc/cni/net.d/10-test.conflist'), JSON.stringify(original));
    for (const p of pods) await makePodNetns(p);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    // Pods need the namespace's default ServiceAccount, which the controller-manager creates.
    for (let i = 0; ; i++) {
      const ok = await core.readNamespacedServiceAccount({ name: 'default', namespace: NS }).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (i > 60)
        throw new Error(
          `no default ServiceAccount in ${NS} after 30 s: is kube-controller-manager running?`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
    const running = await createPod('running');
    byName('running').uid = running.metadata?.uid;
    // What a kubelet would report for a started pod.
    await core.patchNamespacedPodStatus(
      {
        name: 'running',
        namespace: NS,
        body: {
          status: {
            phase: 'Running',
            podIP: byName('running').ip,
            podIPs: [{ ip: byName('running').ip }],
          },
        },
      },
      MERGE,
    );
    config = {
      ...loadConfig({
        NODE_NAME: NODE,
        POD_NAMESPACE: 'istio-system',
        KUBECONFIG: cluster.kubeconfigPath,
        MOUNTED_CNI_NET_DIR: path.join(root, 'etc/cni/net.d'),
        MOUNTED_CNI_BIN_DIR: path.join(root, 'opt/cni/bin'),
        MOUNTED_CNI_AGENT_RUN_DIR: path.join(root, 'var/run/istio-cni'),
        ZTUNNEL_UDS_ADDRESS: path.join(root, 'var/run/ztunnel/ztunnel.sock'),
        HOST_PROC: '/proc',
        HOST_MOUNTS_PATH: '',
        READINESS_PORT: '0',
        MONITORING_PORT: '0',
        // The "node" here is the test machine: its own netns gets no ipset or SNAT rule.
        ISTIO_CNI_HOST_PROBE_SNAT: 'false',
      }),
      pluginSource: {
        kind: 'launcher',
        node: process.execPath,
        nodeArgs: [
          '--conditions=@ambient-ts/source',
          '--import',
          pathToFileURL(path.join(repo, 'node_modules/tsx/dist/loader.mjs')).href,
        ],
        script: path.join(here, 'plugin/main.ts'),
      },
    };
  }, 120_000);

  afterAll(async () => {
    for (const z of ztunnels) z.close();
    await agent?.close().catch(() => undefined);
    for (const p of pods) {
      p.sleeper?.kill('SIGKILL');
      try {
        execFileSync('ip', ['netns', 'delete', p.netns], { stdio: 'ignore' });
      } catch {
        // not created
      }
    }
    if (root) rmSync(root, { recursive: true, force: true });
    await cluster?.destroy(silentProgress);
  }, 60_000);

  it('installs itself into the node CNI config and enrolls a running pod when its namespace is labeled', async () => {
    await start();
    const conf = JSON.parse(
      readFileSync(path.join(root, 'etc/cni/net.d/10-test.conflist'), 'utf8'),
    ) as { plugins: { type: string }[] };
    expect(conf.plugins.map((p) => p.type)).toEqual(['ptp', 'istio-cni']);
    expect(statSync(path.join(root, 'opt/cni/bin/istio-cni')).mode & 0o111).not.toBe(0);

    await core.patchNamespace(
      { name: NS, body: { metadata: { labels: { 'istio.io/dataplane-mode': 'ambient' } } } },
      MERGE,
    );
    await expect.poll(() => annotation('running'), { timeout: 20_000 }).toBe('enabled');
    expect(iptablesSave(byName('running').netns)).toContain(
      '-A ISTIO_OUTPUT ! -d 127.0.0.1/32 -p tcp -m mark ! --mark 0x539/0xfff -j REDIRECT --to-ports 15001',
    );
    const add = ztunnels[0]!.got.find((g) => g.kind === 'add' && g.uid === byName('running').uid);
    expect(add?.inode).toBe(statSync(`/var/run/netns/${byName('running').netns}`).ino);
  }, 60_000);

  it('a new pod goes through the installed CNI plugin: ADD returns prevResult only once it is captured and acked', async () => {
    const p = byName('created');
    const created = await createPod('created');
    p.uid = created.metadata?.uid;
    // What the kubelet reports once the sandbox exists (the restart test finds it by this IP).
    await core.patchNamespacedPodStatus(
      {
        name: 'created',
        namespace: NS,
        body: { status: { phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }] } },
      },
      MERGE,
    );
    const prevResult = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0' }],
      ips: [{ address: `${p.ip}/24`, interface: 0 }],
    };
    const conf = JSON.parse(
      readFileSync(path.join(root, 'etc/cni/net.d/10-test.conflist'), 'utf8'),
    ) as { plugins: Record<string, unknown>[] };
    const stdin = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'test-net',
      ...conf.plugins[1],
      prevResult,
    });
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = execFile(
          path.join(root, 'opt/cni/bin/istio-cni'),
          [],
          {
            env: {
              PATH: process.env.PATH,
              CNI_COMMAND: 'ADD',
              CNI_CONTAINERID: `${run}-sandbox`,
              CNI_NETNS: `/var/run/netns/${p.netns}`,
              CNI_IFNAME: 'eth0',
              CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${NS};K8S_POD_NAME=created;K8S_POD_INFRA_CONTAINER_ID=${run}-sandbox`,
              CNI_PATH: path.join(root, 'opt/cni/bin'),
            },
            timeout: 30_000,
          },
          (err, stdout, stderr) => {
            resolve({
              code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
              stdout,
              stderr,
            });
          },
        );
        child.stdin?.end(stdin);
      },
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(prevResult);
    // By the time ADD returned, everything was in place.
    expect(await annotation('created')).toBe('enabled');
    expect(iptablesSave(p.netns)).toContain('-j REDIRECT --to-ports 15006');
    expect(ztunnels[0]!.got.find((g) => g.kind === 'add' && g.uid === p.uid)?.inode).toBe(
      statSync(`/var/run/netns/${p.netns}`).ino,
    );
  }, 60_000);

  it('after an agent restart a reconnecting ztunnel gets every enrolled pod replayed, then snapshot_sent', async () => {
    await agent?.close();
    agent = undefined;
    ztunnels[0]!.close();
    await start();
    const z = ztunnels[1]!;
    await expect
      .poll(() => z.got.map((g) => g.kind), { timeout: 20_000 })
      .toContain('snapshotSent');
    const replayed = z.got.slice(
      0,
      z.got.findIndex((g) => g.kind === 'snapshotSent'),
    );
    expect(replayed.map((g) => [g.kind, g.uid]).sort()).toEqual(
      [
        ['add', byName('created').uid],
        ['add', byName('running').uid],
      ].sort(),
    );
    expect(replayed.find((g) => g.uid === byName('running').uid)?.inode).toBe(
      statSync(`/var/run/netns/${byName('running').netns}`).ino,
    );
    expect(await annotation('running')).toBe('enabled');
  }, 60_000);

  it('removing the namespace label takes the pods out: rules gone, ZDS Del, annotation cleared', async () => {
    await core.patchNamespace(
      { name: NS, body: { metadata: { labels: { 'istio.io/dataplane-mode': null } } } },
      MERGE,
    );
    for (const name of ['running', 'created']) {
      await expect.poll(() => annotation(name), { timeout: 20_000 }).toBeUndefined();
      expect(iptablesSave(byName(name).netns)).not.toContain('ISTIO_');
    }
    const z = ztunnels[1]!;
    expect(
      z.got
        .filter((g) => g.kind === 'del')
        .map((g) => g.uid)
        .sort(),
    ).toEqual([byName('created').uid, byName('running').uid].sort());
  }, 60_000);

  it('uninstall (the DaemonSet is gone) restores the node CNI config exactly', async () => {
    await agent?.close();
    agent = undefined;
    expect(
      JSON.parse(readFileSync(path.join(root, 'etc/cni/net.d/10-test.conflist'), 'utf8')),
    ).toEqual(original);
    expect(existsSync(path.join(root, 'opt/cni/bin/istio-cni'))).toBe(false);
  }, 30_000);
});
