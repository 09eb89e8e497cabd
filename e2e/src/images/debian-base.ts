// The base of every image: a minimal Debian root file system with Debian's Node,
// made offline-capable by mmdebstrap from the apt mirror this machine already
// uses (no image registry is reachable here), cached as a tarball keyed by its
// recipe. The linux-sockets addon is compiled on the host against the host's
// Node, so the base's Node must have the same major version (same N-API/ABI).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { mmdebstrapArgs, MMDEBSTRAP_DPKG_OPTIONS } from '@ambient-ts/kind-node-image';
import type { Progress } from '@ambient-ts/local-cluster';
import { runLines } from './run-lines.js';

export interface BaseRecipe {
  /** Debian suite (trixie has Node 20.19, the Node major the workspace is built with). */
  readonly suite: string;
  readonly mirror: string;
  /** Packages on top of minbase. */
  readonly packages: readonly string[];
}

export interface DebianBase {
  readonly recipe: BaseRecipe;
  /** The rootfs tarball (`podman import` input). */
  readonly tarball: string;
  /** Hash of the recipe (part of every image's input hash). */
  readonly hash: string;
  /** The image name the Dockerfile's BASE default names, and this recipe's own tag. */
  readonly image: string;
  readonly nodeVersion: string;
}

export class DebianBaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DebianBaseError';
  }
}

/** The Dockerfile's default BASE (deploy/images/docker/Dockerfile). */
export const BASE_IMAGE_NAME = 'localhost/ambient-ts/node-base';

/**
 * nodejs: the programs' runtime; ca-certificates: TLS to the apiserver from Node's
 * bundled roots is not enough when a cluster uses system ones; iptables, iproute2, ipset:
 * istio-cni's in-pod rules and host probe SNAT (nsenter is in util-linux, which minbase
 * has); curl: the bookinfo sample's client pod (its image is the base with curl as
 * entrypoint). One base for all images: kind's containerd stores its layer once.
 */
export const BASE_PACKAGES = ['nodejs', 'ca-certificates', 'iptables', 'iproute2', 'ipset', 'curl'];

/** Bumped when the way the base is made changes (part of the cache key). */
const RECIPE_VERSION = 1;

/** The Debian archive URI of this machine's apt sources (deb822 or one-line), else deb.debian.org. */
export function aptMirror(sourcesTexts: readonly string[]): string {
  for (const text of sourcesTexts) {
    // deb822 stanzas: Types/URIs/Suites; take the one serving a plain release suite.
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name: string): string[] =>
        new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
      const uris = field('URIs');
      const suites = field('Suites');
      if (field('Types').includes('deb') && suites.some((s) => /^[a-z]+$/.test(s)) && uris[0])
        if (/\/debian\/?$/.test(uris[0])) return uris[0].replace(/\/$/, '');
    }
    for (const line of text.split('\n')) {
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+([a-z]+)\s/.exec(line);
      if (m?.[1] && /\/debian\/?$/.test(m[1])) return m[1].replace(/\/$/, '');
    }
  }
  return 'http://deb.debian.org/debian';
}

function readAptSources(): string[] {
  const texts: string[] = [];
  if (existsSync('/etc/apt/sources.list'))
    texts.push(readFileSync('/etc/apt/sources.list', 'utf8'));
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir))
    for (const f of readdirSync(dir).sort())
      if (f.endsWith('.list') || f.endsWith('.sources'))
        texts.push(readFileSync(path.join(dir, f), 'utf8'));
  return texts;
}

export function defaultRecipe(): BaseRecipe {
  return { suite: 'trixie', mirror: aptMirror(readAptSources()), packages: BASE_PACKAGES };
}

export function recipeHash(recipe: BaseRecipe): string {
  return createHash('sha256')
    .update(JSON.stringify({ ...recipe, dpkg: MMDEBSTRAP_DPKG_OPTIONS, v: RECIPE_VERSION }))
    .digest('hex')
    .slice(0, 16);
}

/** "20.19.2+dfsg-1+deb13u3" from a dpkg status file's nodejs stanza. */
export function nodeVersionInStatus(status: string): string | undefined {
  for (const stanza of status.split(/\n\n/)) {
    if (/^Package: nodejs$/m.test(stanza)) return /^Version: (.*)$/m.exec(stanza)?.[1];
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Bases of earlier recipes, and partial ones whose mmdebstrap is gone (200 MB each). */
async function removeStaleBases(cacheDir: string, current: string): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const partialPid = /^base-.*\.partial-(\d+)\.tar$/.exec(name)?.[1];
    const stale = partialPid
      ? !alive(Number(partialPid))
      : /^base-.*\.tar$/.test(name) && name !== current;
    if (stale) await rm(path.join(cacheDir, name), { force: true });
  }
}

/** Makes (or reuses) the base tarball under `cacheDir`. */
export async function ensureDebianBase(
  cacheDir: string,
  recipe: BaseRecipe,
  hostNodeVersion: string,
  progress: Progress,
): Promise<DebianBase> {
  const hash = recipeHash(recipe);
  const tarball = path.join(cacheDir, `base-${recipe.suite}-${hash}.tar`);
  if (!existsSync(tarball)) {
    const started = Date.now();
    progress(
      `base: mmdebstrap --variant=minbase --include=${recipe.packages.join(',')} ${recipe.suite} from ${recipe.mirror} (once; about a minute)`,
    );
    await mkdir(cacheDir, { recursive: true });
    const partial = `${tarball}.partial-${process.pid}.tar`;
    try {
      await runLines(['mmdebstrap', ...mmdebstrapArgs(recipe, recipe.mirror, partial)], {
        onLine: (l) => {
          if (l.trim() !== '') progress(`base: ${l}`);
        },
      });
    } catch (err) {
      await rm(partial, { force: true });
      const missing = (err as { code?: string }).code === 'ENOENT';
      throw new DebianBaseError(
        missing
          ? 'mmdebstrap is not installed: apt-get install mmdebstrap (npm run bootstrap installs it)'
          : `mmdebstrap ${recipe.suite} from ${recipe.mirror} failed (is the mirror reachable, does it carry ${recipe.suite}?): ${(err as Error).message}`,
      );
    }
    await rename(partial, tarball);
    progress(
      `base: made ${path.basename(tarball)} in ${((Date.now() - started) / 1000).toFixed(0)}s`,
    );
    await removeStaleBases(cacheDir, path.basename(tarball));
  }
  const status = await runLines(['tar', '-xOf', tarball, './var/lib/dpkg/status']).catch(() => '');
  const nodeVersion = nodeVersionInStatus(status);
  if (!nodeVersion)
    throw new DebianBaseError(`${tarball} has no nodejs package: delete it and rerun`);
  const major = (v: string): string => /^(\d+)\./.exec(v)?.[1] ?? v;
  if (major(nodeVersion) !== major(hostNodeVersion))
    throw new DebianBaseError(
      `the ${recipe.suite} base has Node ${nodeVersion} but the workspace is built with Node ${hostNodeVersion}: the linux-sockets addon compiled on the host needs the same Node major in the image (pick a suite with Node ${major(hostNodeVersion)})`,
    );
  return { recipe, tarball, hash, image: `${BASE_IMAGE_NAME}:${recipe.suite}`, nodeVersion };
}
