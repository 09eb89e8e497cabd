// Entry of the supervisor: the only child of the sandbox's pid 1 (a reaping
// init, init-reaper.ts); when it exits, the init exits and the sandbox ends.
//   node supervisor-main.js <stateDir>
import path from 'node:path';
import { clusterLayout } from '../control-plane/layout.js';
import { readSpec } from './spec.js';
import { Supervisor } from './supervisor.js';

const stateDir = process.argv[2];
if (!stateDir) {
  process.stderr.write('usage: supervisor-main <stateDir>\n');
  process.exit(2);
}
const layout = clusterLayout(path.resolve(stateDir));
const supervisor = new Supervisor(await readSpec(layout.spec));

let exiting = false;
const shutdown = (code: number) => {
  if (exiting) return;
  exiting = true;
  void supervisor.stop().finally(() => process.exit(code));
};
process.on('SIGTERM', () => {
  shutdown(0);
});
process.on('SIGINT', () => {
  shutdown(0);
});

try {
  await supervisor.start();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  supervisor.progress(`FAILED: ${message}`);
  await supervisor.status('failed', message);
  shutdown(1);
}
