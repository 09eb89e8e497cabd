// `npm run images:build [-- --stage-only] [-- --skip-workspace-build]`: builds (or reuses)
// the docker-archive of every image the install and bookinfo manifests name, offline,
// and prints where each one is.
import { consoleProgress } from '@ambient-ts/local-cluster';
import { buildImageArchives } from '../drivers/image-builds.js';

const args = new Set(process.argv.slice(2));
const known = new Set(['--stage-only', '--skip-workspace-build']);
const unknown = [...args].filter((a) => !known.has(a));
if (unknown.length > 0) {
  process.stderr.write(
    `images:build: unknown option ${unknown.join(' ')} (known: ${[...known].join(' ')})\n`,
  );
  process.exit(2);
}
try {
  const archives = await buildImageArchives(consoleProgress('images'), {
    stageOnly: args.has('--stage-only'),
    skipWorkspaceBuild: args.has('--skip-workspace-build'),
  });
  for (const a of archives) process.stdout.write(`${a.ref}\t${a.archive}\n`);
} catch (err) {
  process.stderr.write(`images:build failed: ${(err as Error).message}\n`);
  process.exit(1);
}
