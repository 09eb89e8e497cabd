// Builds the workspace's native addon after `npm install`. npm 11 skips the
// install scripts of dependencies, so the root postinstall does it explicitly.
// Missing until the addon package exists; a no-op on non-Linux platforms.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const addonDir = path.join(root, 'packages/linux-sockets');
if (process.platform !== 'linux') {
  console.log('[build-native] not Linux: the linux-sockets addon stays a stub');
  process.exit(0);
}
if (!existsSync(path.join(addonDir, 'binding.gyp'))) process.exit(0);
console.log('[build-native] building packages/linux-sockets with node-gyp');
const gyp = path.join(root, 'node_modules/node-gyp/bin/node-gyp.js');
const r = spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: addonDir, stdio: 'inherit' });
process.exit(r.status ?? 1);
