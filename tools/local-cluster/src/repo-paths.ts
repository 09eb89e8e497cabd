// Where this package and its entry points are: the daemon, the supervisor and
// the kubelet are started as separate Node processes, from TypeScript sources
// through tsx when we run from source (tests, dev), or from dist/ when built.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
/** True when this module is the .ts source (vitest, tsx), false when it is dist/*.js. */
export const RUNNING_FROM_SOURCE = here.endsWith('.ts');
const packageRoot = path.resolve(path.dirname(here), '..');
export const REPO_ROOT = path.resolve(packageRoot, '..', '..');

/** The argv prefix that runs one of this repo's entry files. */
export function nodeCommand(fromSource = RUNNING_FROM_SOURCE): string[] {
  return fromSource
    ? [process.execPath, '--conditions=@ambient-ts/source', '--import', 'tsx']
    : [process.execPath];
}

/** An entry of this package, e.g. "sandbox/daemon-main". */
export function entryFile(name: string, fromSource = RUNNING_FROM_SOURCE): string {
  return fromSource
    ? path.join(packageRoot, 'src', `${name}.ts`)
    : path.join(packageRoot, 'dist', `${name}.js`);
}

/**
 * The command that runs the netns kubelet: its TypeScript source through tsx
 * when we run from source (always current, no build step), else its dist
 * build; undefined when neither exists.
 */
export function kubeletCommand(fromSource = RUNNING_FROM_SOURCE): string[] | undefined {
  const src = path.join(REPO_ROOT, 'tools', 'netns-kubelet', 'src', 'main.ts');
  const dist = path.join(REPO_ROOT, 'tools', 'netns-kubelet', 'dist', 'main.js');
  if ((fromSource || !existsSync(dist)) && existsSync(src)) return [...nodeCommand(true), src];
  if (existsSync(dist)) return [...nodeCommand(false), dist];
  return undefined;
}

export const ADDONS_DIR = path.join(REPO_ROOT, 'deploy', 'cluster-addons');
export const IMAGE_TABLE = path.join(REPO_ROOT, 'deploy', 'images', 'local-images.json');
