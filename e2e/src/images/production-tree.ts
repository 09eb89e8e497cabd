// The files one of our programs needs at run time, laid out for an image: the
// program's own dist/, the workspace packages it imports (their dist/ and the
// linux-sockets addon), and the third-party packages its production dependency
// closure reaches — resolved exactly as Node will resolve them, from the
// node_modules tree `npm ci` made on the host. No dev dependencies, no sources,
// no type declarations: what the image copies is what the program runs.
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** One file to copy: absolute host path → path inside the image (absolute, posix). */
export interface FileCopy {
  readonly from: string;
  readonly to: string;
}

export class ProductionTreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProductionTreeError';
  }
}

interface PackageJson {
  readonly name?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
}

/** Files nobody executes: type declarations, source maps, docs, build info. */
const SKIPPED_FILE = /(\.d\.[cm]?ts|\.map|\.tsbuildinfo|\.md|\.markdown)$/i;
/** Test files tsc may have compiled into a workspace package's dist/. */
const TEST_FILE = /\.(test|spec)\.[cm]?js$/;

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Node's lookup of `name` from a package at `fromDir`: nearest node_modules up to the root. */
function resolvePackageDir(name: string, fromDir: string, repoRoot: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === repoRoot || dir === path.dirname(dir)) return undefined;
  }
}

function listFiles(dir: string, keep: (rel: string) => boolean, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      // Nested node_modules are packages of their own, reached through resolution.
      if (entry.name !== 'node_modules') out.push(...listFiles(dir, keep, r));
    } else if ((entry.isFile() || entry.isSymbolicLink()) && keep(r)) {
      // A symlinked file (rare in packages) is copied as the file it points to.
      if (statSync(path.join(dir, r)).isFile()) out.push(r);
    }
  }
  return out.sort();
}

/** What of a workspace package runs: package.json, dist/ and the native addon build. */
function workspaceFiles(dir: string): string[] {
  const keep = (rel: string): boolean =>
    rel === 'package.json' ||
    (rel.startsWith('dist/') && !SKIPPED_FILE.test(rel) && !TEST_FILE.test(rel)) ||
    /^build\/Release\/[^/]+\.node$/.test(rel);
  return listFiles(dir, keep);
}

/** A third-party package as npm installed it, minus declarations, maps and docs. */
function thirdPartyFiles(dir: string): string[] {
  return listFiles(dir, (rel) => !SKIPPED_FILE.test(rel));
}

/**
 * The files of `projectDir` (a workspace project, relative to the repo) and of its
 * production dependency closure, placed under `appRoot` in the image: the project at
 * `<appRoot>/<projectDir>`, every other package at `<appRoot>/node_modules/<name>`
 * (nested where npm nested it), so Node resolves in the image what it resolves here.
 */
export function productionTree(repoRoot: string, projectDir: string, appRoot = '/app'): FileCopy[] {
  const root = realpathSync(repoRoot);
  const project = path.join(root, projectDir);
  if (!existsSync(path.join(project, 'dist')))
    throw new ProductionTreeError(
      `${projectDir}/dist does not exist: build the workspace first (npm run build)`,
    );
  /** Real package dir on the host → its directory in the image. */
  const placed = new Map<string, string>();
  const workspace = new Set<string>([project]);
  placed.set(project, path.posix.join(appRoot, projectDir));
  const queue: string[] = [project];

  // Where a package found through `linkDir` (its path under some node_modules) goes.
  const imageDirOf = (linkDir: string): string => {
    const rel = path.relative(root, linkDir).split(path.sep);
    const at = rel.indexOf('node_modules');
    // linkDir is <owner>/node_modules/<name…>: keep the path under the owner's place.
    const owner = path.join(root, ...rel.slice(0, at));
    const ownerPlace = owner === root ? appRoot : placed.get(realpathSync(owner));
    if (ownerPlace === undefined)
      throw new ProductionTreeError(`no image location for ${linkDir}'s owner ${owner}`);
    return path.posix.join(ownerPlace, ...rel.slice(at));
  };

  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const pkg = readPackageJson(next);
    const wanted = new Map<string, boolean>(); // name → required
    for (const name of Object.keys(pkg.dependencies ?? {})) wanted.set(name, true);
    for (const name of Object.keys(pkg.optionalDependencies ?? {})) wanted.set(name, false);
    for (const name of Object.keys(pkg.peerDependencies ?? {}))
      if (!wanted.has(name)) wanted.set(name, pkg.peerDependenciesMeta?.[name]?.optional !== true);
    for (const [name, required] of wanted) {
      // Types only; nothing imports them at run time.
      if (name.startsWith('@types/')) continue;
      const linkDir = resolvePackageDir(name, next, root);
      if (linkDir === undefined) {
        if (!required) continue;
        throw new ProductionTreeError(
          `${pkg.name ?? next} depends on ${name}, which is not installed under ${root}: run npm ci`,
        );
      }
      const real = realpathSync(linkDir);
      if (placed.has(real)) continue;
      const isWorkspace = !path.relative(root, real).split(path.sep).includes('node_modules');
      if (isWorkspace) workspace.add(real);
      // A workspace link (node_modules/@ambient-ts/x → packages/x) becomes a real directory.
      placed.set(real, imageDirOf(linkDir));
      queue.push(real);
    }
  }

  const copies: FileCopy[] = [];
  for (const [real, imageDir] of placed) {
    const files = workspace.has(real) ? workspaceFiles(real) : thirdPartyFiles(real);
    for (const rel of files)
      copies.push({ from: path.join(real, rel), to: path.posix.join(imageDir, rel) });
  }
  return copies.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
}
