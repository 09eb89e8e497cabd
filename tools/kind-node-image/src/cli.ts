// `kind-node-image <build|tools>` for humans and CI:
//   build   assemble (or find) the kind node image in the "kind" container store
//   tools   build (or find) kind, crictl, etcd and pause, and the root file systems
import { ContainerSandbox } from '@ambient-ts/container-sandbox';
import { consoleProgress, formatDuration } from '@ambient-ts/local-cluster';
import { CRICTL_TOOL, ensureGoTool, ETCD_TOOL, KIND_TOOL, PAUSE_TOOL } from './go-tools.js';
import { ensureKindNodeImage } from './node-image.js';
import { ensureRootfs } from './rootfs.js';
import { NODE_PACKAGES, NODE_SUITE, PROXY_BASE_PACKAGES } from './versions.js';

async function main(command: string | undefined): Promise<number> {
  const progress = consoleProgress('kind-node-image');
  const started = Date.now();
  switch (command) {
    case 'tools': {
      // Go builds use the CPU, mmdebstrap mostly the network and disk: side by side.
      await Promise.all([
        (async () => {
          for (const t of [KIND_TOOL, CRICTL_TOOL, ETCD_TOOL, PAUSE_TOOL])
            await ensureGoTool(t, progress);
        })(),
        ensureRootfs({ name: 'kind-node', suite: NODE_SUITE, packages: NODE_PACKAGES }, progress),
        ensureRootfs(
          { name: 'kube-proxy-base', suite: NODE_SUITE, packages: PROXY_BASE_PACKAGES },
          progress,
        ),
      ]);
      break;
    }
    case 'build': {
      const sandbox = await ContainerSandbox.start({ store: 'kind', progress });
      try {
        const image = await ensureKindNodeImage(sandbox, progress);
        process.stdout.write(`${image.ref}\n`);
      } finally {
        await sandbox.close();
      }
      break;
    }
    default:
      process.stderr.write('usage: kind-node-image <build|tools>\n');
      return 2;
  }
  progress(`done in ${formatDuration(Date.now() - started)}`);
  return 0;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
