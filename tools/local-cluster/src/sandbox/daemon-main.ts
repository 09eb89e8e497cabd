// Entry of the detached host-side daemon of one cluster.
//   node daemon-main.js <stateDir>
import path from 'node:path';
import { clusterLayout } from '../control-plane/layout.js';
import { Daemon } from './daemon.js';
import { readSpec } from './spec.js';

const stateDir = process.argv[2];
if (!stateDir) {
  process.stderr.write('usage: daemon-main <stateDir>\n');
  process.exit(2);
}
const layout = clusterLayout(path.resolve(stateDir));
const daemon = new Daemon(await readSpec(layout.spec));
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(sig, () => {
    void daemon.stop(`received ${sig}`).finally(() => process.exit(0));
  });
}
try {
  await daemon.start();
} catch (err) {
  process.stderr.write(
    `[daemon] failed to start: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  await daemon.stop('start failed');
  process.exit(1);
}
