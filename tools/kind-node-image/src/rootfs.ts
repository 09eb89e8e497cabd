// Debian root file systems made offline-capable by mmdebstrap from the apt
// mirror this machine uses (no image registry is reachable), cached as tarballs
// keyed by their recipe: the node's base and kube-proxy's base.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { formatDuration, type Progress } from '@ambient-ts/local-cluster';
import { readKindImageEnv, type KindImageEnv } from './config.js';
import { KindImageError } from './errors.js';

export interface RootfsRecipe {
  readonly name: string;
  readonly suite: string;
  readonly packages: readonly string[];
}

/**
 * No man pages, docs (copyright kept) or translations: nothing on a node or in
 * an image reads them. Shared with e2e's image base, whose cache key hashes them.
 */
export const MMDEBSTRAP_DPKG_OPTIONS: readonly string[] = [
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
];
/** Bumped when the way a rootfs is made changes (part of the cache key). */
const RECIPE_VERSION = 1;

export function recipeHash(recipe: RootfsRecipe): string {
  return createHash('sha256')
    .update(JSON.stringify({ v: RECIPE_VERSION, ...recipe, o: MMDEBSTRAP_DPKG_OPTIONS }))
    .digest('hex')
    .slice(0, 12);
}

/** mmdebstrap's arguments for a minbase `suite` plus `packages`, written as a tarball to `out`. */
export function mmdebstrapArgs(
  recipe: Pick<RootfsRecipe, 'suite' | 'packages'>,
  mirror: string,
  out: string,
): string[] {
  return [
    '--variant=minbase',
    `--include=${recipe.packages.join(',')}`,
    ...MMDEBSTRAP_DPKG_OPTIONS.map((o) => `--dpkgopt=${o}`),
    recipe.suite,
    out,
    mirror,
  ];
}

/** The rootfs tarball, made first if missing (about 1–3 minutes). */
export async function ensureRootfs(
  recipe: RootfsRecipe,
  progress: Progress,
  env: KindImageEnv = readKindImageEnv(),
): Promise<string> {
  const dir = path.join(env.cacheRoot, 'rootfs');
  const tarball = path.join(dir, `${recipe.name}-${recipe.suite}-${recipeHash(recipe)}.tar`);
  if (existsSync(tarball)) return tarball;
  await mkdir(dir, { recursive: true });
  const tmp = `${tarball}.tmp-${process.pid}.tar`;
  const started = Date.now();
  progress(
    `${recipe.name}: mmdebstrap --variant=minbase ${recipe.suite} + ${recipe.packages.length} packages from ${env.debianMirror} (first run only)`,
  );
  try {
    // A private mount namespace: mmdebstrap's /proc, /sys and /dev mounts in the
    // target never appear in the host's mount table.
    await run(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'mmdebstrap',
        ...mmdebstrapArgs(recipe, env.debianMirror, tmp),
      ],
      (line) => {
        if (/^I: (running|downloading|extracting|installing)/.test(line))
          progress(`  ${recipe.name}: ${line.slice(3)}`);
      },
    );
    await rename(tmp, tarball);
    // Tarballs of this rootfs's earlier recipes are never read again.
    for (const f of await readdir(dir)) {
      if (
        f.startsWith(`${recipe.name}-${recipe.suite}-`) &&
        f.endsWith('.tar') &&
        f !== path.basename(tarball)
      )
        await rm(path.join(dir, f), { force: true });
    }
  } finally {
    await rm(tmp, { force: true });
  }
  progress(`${recipe.name}: rootfs made in ${formatDuration(Date.now() - started)}: ${tarball}`);
  return tarball;
}

function run(cmd: string, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    let rest = '';
    const feed = (d: Buffer): void => {
      const text = rest + d.toString('utf8');
      tail = (tail + d.toString('utf8')).slice(-3000);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', (e) => {
      reject(new KindImageError(`cannot run ${cmd}: ${e.message} (apt-get install -y mmdebstrap)`));
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new KindImageError(
            `${cmd} ${args.slice(0, 4).join(' ')}… exited ${code}:\n${tail.trim()}`,
          ),
        );
    });
  });
}
