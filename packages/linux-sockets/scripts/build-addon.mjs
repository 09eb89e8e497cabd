// Builds the native addon with node-gyp (the `build` and `build:native`
// scripts). A no-op that says so on non-Linux platforms, where the package
// stays a stub that throws UnsupportedPlatformError.
//
// node-gyp downloads Node's headers unless told where they are. npm passes its
// `nodedir` setting through the environment; when this runs outside npm (nx,
// a plain shell) we point node-gyp at the headers installed next to this very
// Node binary, if their version matches, so the build works offline.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.platform !== 'linux') {
  console.log(`[linux-sockets] ${process.platform} is not Linux: the native addon is not built`);
  process.exit(0);
}

/** The install prefix whose include/node headers belong to the running Node, or undefined. */
function localHeadersPrefix() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const versionHeader = path.join(prefix, 'include/node/node_version.h');
  if (!existsSync(versionHeader)) return undefined;
  const text = readFileSync(versionHeader, 'utf8');
  const part = (name) => text.match(new RegExp(`#define\\s+NODE_${name}_VERSION\\s+(\\d+)`))?.[1];
  const version = `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  return version === process.version ? prefix : undefined;
}

const gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
const args = [gyp, 'rebuild'];
const prefix = localHeadersPrefix();
if (prefix !== undefined) args.push(`--nodedir=${prefix}`);
const result = spawnSync(process.execPath, args, { cwd: packageDir, stdio: 'inherit' });
process.exit(result.status ?? 1);
