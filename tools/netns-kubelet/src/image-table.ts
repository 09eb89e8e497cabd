// The local image table: container image names → the image's ENTRYPOINT/CMD as local
// programs, because our nodes run processes, not image filesystems. Matching ignores the tag,
// the digest and registry-host spellings (docker.io, index.docker.io, none) and applies the
// table's mirror equivalences (registry.istio.io/release ≡ docker.io/istio).
import { ImageNotFoundError, ImageTableError } from './errors.js';

export interface ImageEntry {
  /** Repository as written in the table, e.g. "istio/examples-bookinfo-productpage-v1". */
  readonly repository: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  /** In-image program paths a manifest's `command` may name, mapped to local programs. */
  readonly programs: Readonly<Record<string, string>>;
}

export interface ImageTable {
  readonly path: string;
  readonly entries: readonly ImageEntry[];
  /** Registry prefix → canonical prefix, both without tags. */
  readonly mirrors: Readonly<Record<string, string>>;
  /**
   * The node directories our "images" are made of (the repository checkout, the Kubernetes
   * binaries). A container must still see them when a volume is mounted over a parent, e.g.
   * an emptyDir at /tmp over a checkout under /tmp.
   */
  readonly roots: readonly string[];
}

export interface Placeholders {
  /** Root of this repository checkout. */
  readonly repo: string;
  readonly kubeBinaries: string;
  /** The node binary running the kubelet, so images of Node programs need no PATH lookup. */
  readonly node: string;
}

/** A resolved image: what a container of this image runs when the manifest says nothing. */
export interface ResolvedImage {
  readonly image: string;
  readonly entry: ImageEntry;
  /** A stable id derived from the table entry (reported as status.containerStatuses[].imageID). */
  readonly imageID: string;
  /** See ImageTable.roots. */
  readonly roots: readonly string[];
}

const DEFAULT_REGISTRY = 'docker.io';

/** Splits off tag and digest and normalizes the registry host: "nginx" → "docker.io/library/nginx". */
export function canonicalRepository(image: string): string {
  let ref = image.trim();
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > lastSlash) ref = ref.slice(0, colon);
  const parts = ref.split('/');
  const first = parts[0] ?? '';
  const hasHost =
    parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let host = hasHost ? first : DEFAULT_REGISTRY;
  let rest = hasHost ? parts.slice(1) : parts;
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') host = DEFAULT_REGISTRY;
  if (host === DEFAULT_REGISTRY && rest.length === 1) rest = ['library', ...rest];
  return `${host}/${rest.join('/')}`.toLowerCase();
}

function applyMirrors(repo: string, mirrors: Readonly<Record<string, string>>): string {
  let best: [string, string] | undefined;
  for (const [from, to] of Object.entries(mirrors)) {
    const f = canonicalPrefix(from);
    if ((repo === f || repo.startsWith(`${f}/`)) && (!best || f.length > best[0].length))
      best = [f, canonicalPrefix(to)];
  }
  return best ? best[1] + repo.slice(best[0].length) : repo;
}

/** A mirror prefix like "registry.istio.io/release" or "istio" in canonical form. */
function canonicalPrefix(prefix: string): string {
  const parts = prefix.split('/');
  const first = parts[0] ?? '';
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const host = hasHost ? first : DEFAULT_REGISTRY;
  const rest = hasHost ? parts.slice(1) : parts;
  return [host === 'index.docker.io' ? DEFAULT_REGISTRY : host, ...rest].join('/').toLowerCase();
}

/** The key under which an image (or a table repository) is compared. */
export function imageKey(image: string, mirrors: Readonly<Record<string, string>>): string {
  return applyMirrors(canonicalRepository(image), mirrors);
}

export function findImage(table: ImageTable, image: string): ImageEntry | undefined {
  const key = imageKey(image, table.mirrors);
  return table.entries.find((e) => imageKey(e.repository, table.mirrors) === key);
}

/** Looks an image up, failing as an image pull would when the table has no entry. */
export function resolveImage(
  table: ImageTable,
  image: string,
  digest: (entry: ImageEntry) => string,
): ResolvedImage {
  const entry = findImage(table, image);
  if (!entry) throw new ImageNotFoundError(image, table.path);
  return {
    image,
    entry,
    imageID: `${canonicalRepository(image)}@sha256:${digest(entry)}`,
    roots: table.roots,
  };
}

function substitute(s: string, p: Placeholders): string {
  return s.replace(/\$\{(repo|kubeBinaries|node)\}/g, (_, k: keyof Placeholders) => p[k]);
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');
const isStringRecord = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string');

/** Validates the table's JSON and fills in placeholders. */
export function parseImageTable(json: unknown, tablePath: string, p: Placeholders): ImageTable {
  const bad = (what: string): never => {
    throw new ImageTableError(`image table ${tablePath}: ${what}`);
  };
  if (typeof json !== 'object' || json === null) return bad('must be a JSON object');
  const obj = json as Record<string, unknown>;
  const mirrors = obj.mirrors ?? {};
  if (!isStringRecord(mirrors)) return bad('"mirrors" must map registry prefixes to prefixes');
  if (!Array.isArray(obj.images)) return bad('"images" must be an array');
  const entries = obj.images.map((raw: unknown, i): ImageEntry => {
    if (typeof raw !== 'object' || raw === null) return bad(`images[${i}] must be an object`);
    const e = raw as Record<string, unknown>;
    if (typeof e.repository !== 'string' || e.repository === '')
      return bad(`images[${i}].repository must be a non-empty string`);
    const where = `images[${i}] (${e.repository})`;
    const entrypoint = e.entrypoint ?? [];
    const cmd = e.cmd ?? [];
    const env = e.env ?? {};
    const programs = e.programs ?? {};
    if (!isStringArray(entrypoint)) return bad(`${where}.entrypoint must be an array of strings`);
    if (!isStringArray(cmd)) return bad(`${where}.cmd must be an array of strings`);
    if (!isStringRecord(env)) return bad(`${where}.env must map names to strings`);
    if (!isStringRecord(programs)) return bad(`${where}.programs must map paths to programs`);
    if (e.workingDir !== undefined && typeof e.workingDir !== 'string')
      return bad(`${where}.workingDir must be a string`);
    const sub = (s: string): string => substitute(s, p);
    return {
      repository: e.repository,
      entrypoint: entrypoint.map(sub),
      cmd: cmd.map(sub),
      env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, sub(v)])),
      programs: Object.fromEntries(Object.entries(programs).map(([k, v]) => [k, sub(v)])),
      ...(typeof e.workingDir === 'string' ? { workingDir: sub(e.workingDir) } : {}),
    };
  });
  const seen = new Map<string, string>();
  for (const e of entries) {
    const k = imageKey(e.repository, mirrors);
    const prev = seen.get(k);
    if (prev !== undefined) bad(`"${e.repository}" and "${prev}" name the same image`);
    seen.set(k, e.repository);
  }
  return { path: tablePath, entries, mirrors, roots: [p.repo, p.kubeBinaries] };
}
