// Runs the pod runtime exactly as the kubelet does, minus Kubernetes: started by the
// integration test inside a network namespace standing in for a node, it runs the pods of a
// JSON file, prints status patches and events as JSON lines, and tears them down when told
// "delete <grace>" on stdin.
import { readFile } from 'node:fs/promises';
import readline from 'node:readline';
import pino from 'pino';
import { asNodeIP } from '../src/brands.js';
import { cniRunner } from '../src/cni-runner.js';
import { findTools, runCommand } from '../src/commands.js';
import { processLauncher } from '../src/container-launcher.js';
import { parseImageTable } from '../src/image-table.js';
import type { ConfigMap, Pod } from '../src/k8s-types.js';
import { objectSnapshot } from '../src/kube-objects.js';
import { netnsManager, releaseNetnsDir } from '../src/netns.js';
import { PodManager } from '../src/pod-manager.js';
import { prober } from '../src/prober.js';
import type { RuntimeDeps } from '../src/runtime-deps.js';

interface HarnessConfig {
  nodeName: string;
  nodeIP: string;
  stateDir: string;
  nodeRoot: string;
  cniConfDir: string;
  cniBinDirs: string[];
  imageTable: unknown;
  configMaps: ConfigMap[];
  pods: Pod[];
  /** The test's PATH, to find ip/nsenter/unshare. */
  path: string;
}

const cfg = JSON.parse(await readFile(process.argv[2] ?? '', 'utf8')) as HarnessConfig;
const emit = (o: object): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};
const log = pino({ level: 'debug' }, pino.destination(2));
const tools = findTools(cfg.path);
const table = parseImageTable(cfg.imageTable, 'test-image-table.json', {
  repo: '/',
  kubeBinaries: '/',
  node: process.execPath,
});
const namespace = cfg.pods[0]?.metadata?.namespace ?? 'default';
const deps: RuntimeDeps = {
  config: {
    nodeName: cfg.nodeName,
    nodeIP: asNodeIP(cfg.nodeIP),
    stateDir: cfg.stateDir,
    nodeRoot: cfg.nodeRoot,
    clusterDns: '10.96.0.10',
    clusterDomain: 'cluster.local',
    backoff: { initialMs: 500, maxMs: 2000 },
    node: { cpu: '2', memory: '4Gi', ephemeralStorage: '10Gi' },
    volumeSyncMs: 500,
  },
  api: {
    objects: () => Promise.resolve(objectSnapshot(namespace, cfg.configMaps, [])),
    services: () => Promise.resolve([]),
    tokens: {
      request: () =>
        Promise.reject(new Error('this harness has no Kubernetes API to issue tokens')),
    },
  },
  reporter: {
    status: (pod, patch) => {
      emit({ type: 'status', pod: pod.metadata?.name, patch });
      return Promise.resolve();
    },
    event: (pod, type, reason, message, fieldPath) => {
      emit({ type: 'event', pod: pod.metadata?.name, eventType: type, reason, message, fieldPath });
    },
  },
  images: { table: () => Promise.resolve(table) },
  netns: await netnsManager(cfg.stateDir, tools, runCommand),
  cni: cniRunner({ confDir: cfg.cniConfDir, binDirs: cfg.cniBinDirs, run: runCommand }),
  launcher: processLauncher,
  prober: prober(runCommand, tools.nsenter, 'kube-probe/netns-kubelet-test'),
  tools,
  run: runCommand,
  log,
};

const manager = new PodManager(deps, {
  deletePod: (ns, name, uid) => {
    emit({ type: 'finalized', ns, name, uid });
    return Promise.resolve();
  },
});
emit({ type: 'cleaned', count: await manager.cleanupStale() });
for (const pod of cfg.pods) manager.sync(pod);

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const [cmd, arg] = line.trim().split(' ');
  if (cmd === 'configmap') {
    // "configmap <name> <key> <value>": the object changes, as an edit through the API would.
    const [, name, key, ...value] = line.trim().split(' ');
    const cm = cfg.configMaps.find((c) => c.metadata?.name === name);
    if (cm && key) cm.data = { ...cm.data, [key]: value.join(' ') };
    emit({ type: 'configmap-updated', name });
  }
  if (cmd === 'delete') {
    for (const pod of cfg.pods)
      manager.sync({
        ...pod,
        metadata: {
          ...pod.metadata,
          deletionTimestamp: new Date(),
          deletionGracePeriodSeconds: Number(arg ?? '2'),
        },
      });
    while (manager.size > 0) await new Promise((r) => setTimeout(r, 50));
    await releaseNetnsDir(cfg.stateDir, tools, runCommand);
    emit({ type: 'terminated' });
    break;
  }
}
rl.close();
process.exit(0);
