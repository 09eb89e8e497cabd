// `local-cluster <command>` for humans (npm run cluster:up / cluster:down):
//   build [--local-only]  build or find the cached Kubernetes binaries: the local
//                         cluster's and kind's node image's (kubelet, kubeadm, kubectl)
//   up [--name] [--nodes] start a cluster in the background, print its kubeconfig
//   down [--name]         stop it and delete everything it left
//   status [--name]       say whether it runs and where its kubeconfig is
import { parseArgs } from 'node:util';
import {
  ensureKubeBinaries,
  KIND_NODE_BINARIES,
  LOCAL_CLUSTER_BINARIES,
} from './build/build-binaries.js';
import {
  createCluster,
  DEFAULT_CLUSTER_NAME,
  DEFAULT_NODE_COUNT,
  destroyCluster,
  openCluster,
} from './cluster.js';
import { consoleProgress, formatDuration } from './progress.js';

const USAGE = `usage: local-cluster <build [--local-only]|up|down|status> [--name <name>] [--nodes <n>]`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string', default: DEFAULT_CLUSTER_NAME },
      nodes: { type: 'string', default: String(DEFAULT_NODE_COUNT) },
      help: { type: 'boolean', short: 'h' },
      'local-only': { type: 'boolean', default: false },
    },
  });
  const command = positionals[0];
  const name = values.name;
  const progress = consoleProgress(`cluster ${name}`);
  if (values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  switch (command) {
    case 'build': {
      const binaries = values['local-only'] ? LOCAL_CLUSTER_BINARIES : KIND_NODE_BINARIES;
      const r = await ensureKubeBinaries({ progress, binaries });
      progress(`${r.cached ? 'cache hit' : 'built'} in ${formatDuration(r.elapsedMs)}: ${r.dir}`);
      return 0;
    }
    case 'up': {
      const running = await openCluster(name);
      if (running) {
        progress(`cluster ${name} is already running`);
        printUsage(running.kubeconfigPath, name);
        return 0;
      }
      const nodes = Number(values.nodes);
      // Ctrl-C while starting: the cluster is only half up, so take it down
      // rather than leave a daemon running.
      const interrupted = () => {
        progress('interrupted; tearing the cluster down');
        void destroyCluster(name, progress).finally(() => process.exit(130));
      };
      process.once('SIGINT', interrupted);
      const cluster = await createCluster({ name, nodes, progress });
      process.off('SIGINT', interrupted);
      const t = cluster.timings;
      if (t) {
        progress(
          `timings: binaries ${t.binaries.cached ? 'cache hit' : 'built'} ${formatDuration(t.binaries.elapsedMs)}, cluster start ${formatDuration(t.startMs)}, total ${formatDuration(t.totalMs)}`,
        );
      }
      printUsage(cluster.kubeconfigPath, name);
      return 0;
    }
    case 'down': {
      const existed = await destroyCluster(name, progress);
      if (!existed) progress(`no cluster named ${name}; nothing to do`);
      return 0;
    }
    case 'status': {
      const running = await openCluster(name);
      if (!running) {
        process.stdout.write(`cluster ${name}: not running\n`);
        return 1;
      }
      process.stdout.write(`cluster ${name}: running, ${running.nodes.length} node(s)\n`);
      printUsage(running.kubeconfigPath, name);
      return 0;
    }
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
      return 2;
  }
}

function printUsage(kubeconfig: string, name: string): void {
  process.stdout.write(
    [
      '',
      `  kubeconfig: ${kubeconfig}`,
      `  export KUBECONFIG=${kubeconfig}`,
      '  kubectl get nodes -o wide',
      `  stop it with: npm run cluster:down${name === DEFAULT_CLUSTER_NAME ? '' : ` -- --name ${name}`}`,
      '',
    ].join('\n'),
  );
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
