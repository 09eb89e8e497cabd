// Builds the workspace's native addon after `npm install`/`npm ci`. npm 11
// skips the install scripts of dependencies, so the root postinstall runs the
// addon's own build script explicitly (it is a no-op off Linux).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'packages/linux-sockets/scripts/build-addon.mjs');
console.log('[postinstall] building the linux-sockets native addon');
const result = spawnSync(process.execPath, [script], { stdio: 'inherit' });
process.exit(result.status ?? 1);
