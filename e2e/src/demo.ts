// The README's demo (issue 7): one command from a fresh clone to bookinfo in ambient mode on
// the local cluster, with the mTLS identities printed from ztunnel's access log. It builds
// what the cluster runs, builds or reuses the Kubernetes binaries, starts the cluster,
// installs the mesh from deploy/, deploys upstream bookinfo, labels its namespace ambient,
// calls productpage and prints the identity lines — the ambient scenario's own steps — then
// leaves the cluster up with instructions. With --driver kind the same steps run on a kind
// cluster (podman provider in a private sandbox, our node image, our images loaded); that
// cluster lives in this process's sandbox, so it is deleted when the demo ends.
//
//   npm run demo [-- --name ambient-ts --nodes 2 --namespace default] [--driver local|kind]
//   npm run -s demo -- ztunnel <path> [--node node-1]   GET from ztunnel's admin/stats ports
//   npm run -s demo -- call [--namespace default]       call productpage, print identity lines
import { parseArgs } from 'node:util';
import {
  DEFAULT_CLUSTER_NAME,
  DEFAULT_NODE_COUNT,
  consoleProgress,
  ensureKubeBinaries,
  formatDuration,
  localClusterUnsupportedReason,
  step,
  type Progress,
} from '@ambient-ts/local-cluster';
import {
  CURL_APP,
  callProductpage,
  callProductpageRepeatedly,
  deployBookinfoAndClients,
  listPods,
  outcomeOf,
  podOf,
  setDataplaneMode,
  snapshotPods,
  waitRedirection,
} from './ambient/bookinfo-ambient.js';
import { collectEdgeReports } from './ambient/identity-proof.js';
import { formatEdgeReports } from './ambient/identity-report.js';
import { installMesh, waitMeshReady } from './ambient/mesh-install.js';
import { BOOKINFO_PROJECT, MESH_PROJECTS, ZTUNNEL } from './ambient/mesh-names.js';
import { ztunnelGet, ztunnelPods } from './ambient/ztunnel-admin.js';
import { waitProtocolInEveryZtunnel } from './ambient/ztunnel-workload-wait.js';
import { demoInstructions } from './demo-instructions.js';
import type { ClusterDriver } from './drivers/cluster-driver.js';
import { buildImageArchives } from './drivers/image-builds.js';
import { KindDriver, kindUnavailableReason } from './drivers/kind-driver.js';
import { LocalDriver } from './drivers/local-driver.js';
import { buildProjects } from './workspace-build.js';

const USAGE = `usage: npm run demo [-- --name <cluster>] [--nodes <n>] [--namespace <ns>] [--driver local|kind]
       npm run -s demo -- ztunnel <path> [--node <node>]   e.g. /config_dump, /stats/prometheus
       npm run -s demo -- call [--namespace <ns>]`;

interface Options {
  readonly name: string;
  readonly nodes: number;
  readonly namespace: string;
  readonly node: string | undefined;
  readonly driver: 'local' | 'kind';
}

/** The cluster the demo runs on, and what to say about it when the demo ends. */
interface DemoCluster {
  readonly driver: ClusterDriver;
  /** After a failure: where to look (local: left up; kind: deleted with its sandbox). */
  leftUp(): void;
  instructions(): string;
  /** kind: delete the cluster and end the sandbox (it cannot outlive this process). */
  finish(): Promise<void>;
}

async function localCluster(o: Options, progress: Progress): Promise<DemoCluster | string> {
  const unsupported = await localClusterUnsupportedReason();
  if (unsupported) return `the local cluster cannot run here: ${unsupported}`;
  await step(progress, 'building bookinfo and the mesh (istiod, ztunnel, istio-cni)', () =>
    buildProjects([BOOKINFO_PROJECT, ...MESH_PROJECTS], progress),
  );
  await step(progress, 'Kubernetes binaries (cached, or built once from source with Go)', () =>
    ensureKubeBinaries({ progress }),
  );
  const driver = await step(progress, `local cluster "${o.name}" with ${o.nodes} nodes`, () =>
    LocalDriver.create({ name: o.name, nodes: o.nodes, progress }),
  );
  const cluster = driver.cluster;
  return {
    driver,
    leftUp: () => {
      process.stderr.write(
        `\nThe cluster is left running for a look: export KUBECONFIG=${cluster.kubeconfigPath}; logs in ${cluster.logsDir}.\nTear it down: npm run cluster:down${o.name === DEFAULT_CLUSTER_NAME ? '' : ` -- --name ${o.name}`}\n`,
      );
    },
    instructions: () =>
      demoInstructions({
        clusterName: o.name,
        kubeconfig: cluster.kubeconfigPath,
        logsDir: cluster.logsDir,
        namespace: o.namespace,
        nodes: cluster.nodes.map((n) => n.name),
      }),
    finish: () => Promise.resolve(),
  };
}

async function kindCluster(o: Options, progress: Progress): Promise<DemoCluster | string> {
  const unsupported = await kindUnavailableReason();
  if (unsupported) return `kind cannot run here: ${unsupported}`;
  const name = o.name === DEFAULT_CLUSTER_NAME ? 'ambient-ts-demo' : o.name;
  // Images (workspace build + podman, own sandbox) and the cluster (node image + kind create) in parallel.
  const [archives, driver] = await step(
    progress,
    `images, and kind cluster "${name}" (1 control plane + ${o.nodes - 1} worker)`,
    () =>
      Promise.all([
        buildImageArchives(progress),
        KindDriver.create({ name, workers: Math.max(1, o.nodes - 1), progress }),
      ]),
  );
  await step(progress, `kind load image-archive (${archives.length} images)`, () =>
    driver.loadImageArchives(archives, progress),
  );
  const logs = `/tmp/ambient-ts-demo-kind-logs-${Date.now()}`;
  return {
    driver,
    leftUp: () => {
      process.stderr.write(
        `\nkind logs are exported to ${logs}; the cluster is deleted with its sandbox.\n`,
      );
    },
    instructions: () =>
      `The kind cluster "${name}" ran inside this process's container sandbox and is deleted now.\n` +
      'Run the same steps as a test: npm run e2e:kind',
    finish: async () => {
      await driver.exportLogs(logs).catch(() => undefined);
      await step(progress, 'deleting the kind cluster and ending its sandbox', () =>
        driver.destroy(),
      );
    },
  };
}

async function runDemo(o: Options, progress: Progress): Promise<number> {
  const started = Date.now();
  const made =
    o.driver === 'kind' ? await kindCluster(o, progress) : await localCluster(o, progress);
  if (typeof made === 'string') {
    process.stderr.write(`${made}\n`);
    return 1;
  }
  const { driver } = made;
  const leftUp = (): void => {
    made.leftUp();
  };
  try {
    await step(progress, 'installing the mesh from deploy/manifests/ambient.yaml', () =>
      installMesh(driver, progress),
    );
    await step(progress, 'waiting for istiod, istio-cni and ztunnel', () =>
      waitMeshReady(driver, progress),
    );
    await step(progress, `deploying bookinfo and the curl client in namespace ${o.namespace}`, () =>
      deployBookinfoAndClients(driver, o.namespace, progress),
    );
    const enrolled = await step(
      progress,
      `labeling namespace ${o.namespace} istio.io/dataplane-mode=ambient (no pod restarts)`,
      async () => {
        await setDataplaneMode(driver, o.namespace, 'ambient');
        return waitRedirection(driver, o.namespace, 'enabled');
      },
    );
    progress(`enrolled: ${enrolled.map((p) => p.name).join(', ')}`);
    await step(
      progress,
      "waiting for every ztunnel's config_dump to list them with protocol HBONE",
      () =>
        waitProtocolInEveryZtunnel(
          driver,
          o.namespace,
          enrolled.map((p) => p.name),
          'HBONE',
        ),
    );
    const curl = podOf(enrolled, CURL_APP).name;
    const calls = await step(
      progress,
      `calling http://productpage:9080/productpage from ${curl}`,
      () => callProductpageRepeatedly(driver, o.namespace, curl),
    );
    progress(
      `${calls.calls} calls, ${calls.failures.length} failed; reviews served by ${[...calls.versions].sort().join(', ') || 'none'}`,
    );
    for (const f of calls.failures) progress(`  ${f}`);
    const reports = await step(
      progress,
      'reading the identities from the ztunnel access logs',
      () => collectEdgeReports(driver, o.namespace, enrolled),
    );
    const problems = reports.flatMap((r) => r.problems);
    process.stdout.write(
      `\n=== mTLS identities in ztunnel's "connection complete" lines ===\n${formatEdgeReports(reports)}\n\n`,
    );
    process.stdout.write(made.instructions() + '\n');
    const ok = calls.failures.length === 0 && problems.length === 0;
    progress(
      `${ok ? 'done' : 'done, with problems (above)'} in ${formatDuration(Date.now() - started)}`,
    );
    return ok ? 0 : 1;
  } catch (err) {
    process.stderr.write(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    leftUp();
    return 1;
  } finally {
    await made.finish();
  }
}

async function attach(o: Options): Promise<LocalDriver> {
  return LocalDriver.attach(o.name).catch(() => {
    throw new Error(`no running cluster "${o.name}"; start the demo first: npm run demo`);
  });
}

/** GET a path from the ztunnel on a node: admin (15000), or stats (15020) for /stats and /metrics. */
async function ztunnelCommand(o: Options, path: string | undefined): Promise<number> {
  if (!path?.startsWith('/')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const driver = await attach(o);
  const pods = await ztunnelPods(driver);
  const z = o.node ? pods.find((p) => p.node === o.node) : pods[0];
  if (!z) {
    process.stderr.write(
      `no running ztunnel${o.node ? ` on ${o.node}` : ''} (running on: ${pods.map((p) => p.node).join(', ') || 'none'})\n`,
    );
    return 1;
  }
  const port = /^\/(stats|metrics)/.test(path) ? ZTUNNEL.statsPort : ZTUNNEL.adminPort;
  process.stderr.write(`# ${z.name} on ${z.node}: GET 127.0.0.1:${port}${path}\n`);
  process.stdout.write(await ztunnelGet(driver, z.name, port, path));
  return 0;
}

async function callCommand(o: Options, progress: Progress): Promise<number> {
  const driver = await attach(o);
  const pods = snapshotPods(await listPods(driver, o.namespace));
  const curl = podOf(pods, CURL_APP).name;
  const outcome = outcomeOf(await callProductpage(driver, o.namespace, curl));
  progress(`productpage from ${curl}: ${outcome.ok ? 'ok' : 'FAILED'} (${outcome.detail})`);
  const reports = await collectEdgeReports(driver, o.namespace, pods, 20_000);
  process.stdout.write(`${formatEdgeReports(reports)}\n`);
  return outcome.ok ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string', default: DEFAULT_CLUSTER_NAME },
      nodes: { type: 'string', default: String(DEFAULT_NODE_COUNT) },
      namespace: { type: 'string', default: 'default' },
      node: { type: 'string' },
      driver: { type: 'string', default: 'local' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1) {
    process.stderr.write(`--nodes must be a positive integer, got ${values.nodes}\n`);
    return 2;
  }
  if (values.driver !== 'local' && values.driver !== 'kind') {
    process.stderr.write(`--driver must be local or kind, got ${values.driver}\n`);
    return 2;
  }
  const o: Options = {
    name: values.name,
    nodes,
    namespace: values.namespace,
    node: values.node,
    driver: values.driver,
  };
  const progress = consoleProgress('demo');
  switch (positionals[0]) {
    case undefined:
    case 'run':
      return runDemo(o, progress);
    case 'ztunnel':
      return ztunnelCommand(o, positionals[1]);
    case 'call':
      return callCommand(o, progress);
    default:
      process.stderr.write(`unknown command ${positionals[0]}\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
