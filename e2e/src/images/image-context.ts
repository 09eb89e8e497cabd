// The build context of each image, staged from the workspace built on the host:
// `<contextRoot>/<context>/` holds the image's files at their in-image paths
// (the Dockerfile copies it to /). Nothing is compiled in the image; what changes
// here — and only that — changes the image's input hash.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContextKind } from './image-catalog.js';
import { productionTree } from './production-tree.js';
import { runLines } from './run-lines.js';

/** One file of a context: copied from the host, or written from text. */
export interface ContextEntry {
  /** Absolute in-image path. */
  readonly to: string;
  readonly from?: string;
  readonly text?: string;
  readonly mode: 0o644 | 0o755;
}

export interface ContextPlan {
  readonly context: string;
  readonly entries: readonly ContextEntry[];
  /** sha256 over every entry's path, mode and content. */
  readonly hash: string;
}

export class ImageContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageContextError';
  }
}

/** Where istio-cni's plugin ships in its image (deploy/images/docker/README.md). */
export const CNI_PLUGIN_DIR = '/opt/istio-cni/bin';

const modeOf = (file: string): 0o644 | 0o755 => (statSync(file).mode & 0o111 ? 0o755 : 0o644);

/** The shared libraries of `binary` that are not glibc's (the node the plugin runs on has glibc). */
export function nonGlibcLibraries(lddOutput: string): string[] {
  const glibc = /^(libc|libm|libdl|libpthread|librt|ld-linux[^.]*)\.so/;
  const out: string[] = [];
  for (const line of lddOutput.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(\/\S+)/.exec(line);
    if (m?.[1] && m[2] && !glibc.test(m[1])) out.push(m[2]);
  }
  return out;
}

/**
 * The CNI plugin runs on the node, outside any container, so istio-cni's image carries
 * it ready to copy: a sh launcher, the plugin bundled into one file, a node binary (the
 * host's: the image's Debian node links a dozen shared libraries the node may lack) and
 * the C++ runtime it links; glibc is the node's.
 */
async function cniPluginEntries(
  repoRoot: string,
  project: string,
  workDir: string,
): Promise<ContextEntry[]> {
  const esbuild = path.join(repoRoot, 'node_modules', '.bin', 'esbuild');
  if (!existsSync(esbuild))
    throw new ImageContextError(`${esbuild} is missing (it comes with vitest): run npm ci`);
  await mkdir(workDir, { recursive: true });
  const bundle = path.join(workDir, 'istio-cni.cjs');
  await runLines([
    esbuild,
    path.join(repoRoot, project, 'dist', 'plugin', 'main.js'),
    '--bundle',
    '--platform=node',
    '--target=node20',
    '--format=cjs',
    '--log-level=warning',
    `--outfile=${bundle}`,
  ]);
  const node = process.execPath;
  const libs = nonGlibcLibraries(execFileSync('ldd', [node], { encoding: 'utf8' }));
  const launcher = [
    '#!/bin/sh',
    '# istio-cni CNI plugin (ambient-ts), installed by the istio-cni node agent.',
    'dir=$(dirname "$0")',
    'ISTIO_CNI_SELF="$0" LD_LIBRARY_PATH="$dir/istio-cni-lib" exec "$dir/istio-cni-node" "$dir/istio-cni.cjs" "$@"',
    '',
  ].join('\n');
  return [
    { to: `${CNI_PLUGIN_DIR}/istio-cni`, text: launcher, mode: 0o755 },
    { to: `${CNI_PLUGIN_DIR}/istio-cni.cjs`, from: bundle, mode: 0o644 },
    { to: `${CNI_PLUGIN_DIR}/istio-cni-node`, from: node, mode: 0o755 },
    ...libs.map((lib): ContextEntry => ({
      to: `${CNI_PLUGIN_DIR}/istio-cni-lib/${path.basename(lib)}`,
      from: lib,
      mode: 0o644,
    })),
  ];
}

export async function planContext(
  repoRoot: string,
  context: string,
  contents: ContextKind,
  workDir: string,
): Promise<ContextPlan> {
  const entries: ContextEntry[] = [];
  if (contents.kind !== 'empty') {
    for (const f of productionTree(repoRoot, contents.project))
      entries.push({ to: f.to, from: f.from, mode: modeOf(f.from) });
  }
  if (contents.kind === 'cni-agent') {
    entries.push(
      ...(await cniPluginEntries(repoRoot, contents.project, path.join(workDir, context))),
    );
    // Upstream's container runs `install-cni`.
    entries.push({
      to: '/usr/local/bin/install-cni',
      text: `#!/bin/sh\nexec node /app/${contents.project}/dist/main.js "$@"\n`,
      mode: 0o755,
    });
  }
  entries.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
  const h = createHash('sha256');
  for (const e of entries) {
    h.update(`${e.to}\0${e.mode.toString(8)}\0`);
    h.update(e.text ?? readFileSync(e.from ?? ''));
    h.update('\0');
  }
  return { context, entries, hash: h.digest('hex') };
}

/** Writes the context directory unless it already holds exactly this plan. */
export async function stageContext(contextRoot: string, plan: ContextPlan): Promise<void> {
  const dir = path.join(contextRoot, plan.context);
  // The stamp sits beside the directory: inside it, the Dockerfile would copy it.
  const stamp = path.join(contextRoot, `${plan.context}.inputs`);
  if (existsSync(dir) && (await readFile(stamp, 'utf8').catch(() => '')) === plan.hash) return;
  await rm(stamp, { force: true });
  await rm(dir, { recursive: true, force: true });
  const made = new Set<string>();
  for (const e of plan.entries) {
    const to = path.join(dir, e.to);
    const parent = path.dirname(to);
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    if (e.text !== undefined) await writeFile(to, e.text);
    else await copyFile(e.from ?? '', to);
    await chmod(to, e.mode);
  }
  await mkdir(dir, { recursive: true });
  // Readable by the images' non-root users whatever this process's umask is.
  const dirs = new Set<string>([dir]);
  for (const parent of made)
    for (let d = parent; d.startsWith(dir) && !dirs.has(d); d = path.dirname(d)) dirs.add(d);
  for (const d of dirs) await chmod(d, 0o755);
  await writeFile(stamp, plan.hash);
}
