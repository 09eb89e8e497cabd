// LEGACY — kept only until the kind driver (global-setup-kind.ts, kind-driver.ts) loads
// the archives buildImageArchives() makes (image-builds.ts); then delete this file and its
// test. Its node:22-alpine Dockerfiles cannot be pulled on our machines.
//
// For kind: turn the local image table's entries for our own Node programs
// (entrypoint "${node} ${repo}/…") into Docker builds, so kind runs the same
// programs under the image names the manifests use. Images the table maps to
// a node's own tools (curl) are left to kind to pull.

export interface ImageTableEntry {
  readonly repository: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface ImageBuild {
  /** The image reference exactly as the manifests name it (kind load matches it verbatim). */
  readonly tag: string;
  /** Dockerfile text (written to a temp dir), or the path of one in the repo with a target. */
  readonly dockerfile: string | { readonly path: string; readonly target: string };
}

/** Repositories of the mesh's own images; deploy/images/docker/Dockerfile has one target each. */
const MESH_IMAGE = /^(?:docker\.io\/)?ambient-ts\/([a-z0-9-]+)$/;

/** Builds of the mesh images the install manifest names, from the deploy Dockerfile's targets. */
export function meshImageBuilds(images: readonly string[], dockerfilePath: string): ImageBuild[] {
  const out = new Map<string, ImageBuild>();
  for (const image of images) {
    const target = MESH_IMAGE.exec(repositoryOf(image))?.[1];
    if (target && !out.has(image))
      out.set(image, { tag: image, dockerfile: { path: dockerfilePath, target } });
  }
  return [...out.values()];
}

/** Base image for our Node programs on kind (Node 22 LTS, ARCHITECTURE.md §3). */
export const NODE_BASE_IMAGE = 'node:22-alpine';

/** "registry.istio.io/release/x:1.2" → "registry.istio.io/release/x" (drops tag and digest). */
export function repositoryOf(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

function normalise(repo: string, mirrors: Readonly<Record<string, string>>): string {
  let r = repo.toLowerCase().replace(/^(docker\.io|index\.docker\.io)\//, '');
  for (const [from, to] of Object.entries(mirrors)) {
    const f = from.toLowerCase().replace(/^docker\.io\//, '');
    if (r === f || r.startsWith(`${f}/`))
      r = to.toLowerCase().replace(/^docker\.io\//, '') + r.slice(f.length);
  }
  return r;
}

export function findEntry(
  entries: readonly ImageTableEntry[],
  image: string,
  mirrors: Readonly<Record<string, string>> = {},
): ImageTableEntry | undefined {
  const want = normalise(repositoryOf(image), mirrors);
  return entries.find((e) => normalise(e.repository, mirrors) === want);
}

/** The Dockerfile for one table entry whose program is a Node script of this repo; undefined otherwise. */
export function dockerfileFor(entry: ImageTableEntry): string | undefined {
  const [first, script, ...rest] = entry.entrypoint;
  if (first !== '${node}' || !script?.startsWith('${repo}/')) return undefined;
  const scriptInImage = `/app/${script.slice('${repo}/'.length)}`;
  // The whole project dir of the script (its dist/ and package.json) goes in.
  const projectDir = scriptInImage.replace(/\/dist\/.*$/, '');
  const copyFrom = projectDir.slice('/app/'.length);
  const env = Object.entries(entry.env ?? {}).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`);
  return [
    `FROM ${NODE_BASE_IMAGE}`,
    'WORKDIR /app',
    `COPY ${copyFrom}/package.json ${projectDir}/package.json`,
    `COPY ${copyFrom}/dist ${projectDir}/dist`,
    ...env,
    `ENTRYPOINT ${JSON.stringify(['node', scriptInImage, ...rest])}`,
    ...(entry.cmd.length > 0 ? [`CMD ${JSON.stringify(entry.cmd)}`] : []),
    '',
  ].join('\n');
}

/** Builds needed for the images a set of manifests uses (deduplicated, table order irrelevant). */
export function imageBuildsFor(
  images: readonly string[],
  entries: readonly ImageTableEntry[],
  mirrors: Readonly<Record<string, string>> = {},
): ImageBuild[] {
  const builds = new Map<string, ImageBuild>();
  for (const image of images) {
    const entry = findEntry(entries, image, mirrors);
    const dockerfile = entry ? dockerfileFor(entry) : undefined;
    if (dockerfile && !builds.has(image)) builds.set(image, { tag: image, dockerfile });
  }
  return [...builds.values()];
}

interface ContainerRef {
  readonly image?: string;
  readonly env?: readonly { readonly name?: string; readonly value?: string }[];
}

/**
 * Every container image named by pod templates or pods in the objects, and by
 * `*_IMAGE` env values of their containers (istiod's WAYPOINT_IMAGE names the
 * image of the waypoint Deployments it will create).
 */
export function imagesIn(objects: readonly unknown[]): string[] {
  const out = new Set<string>();
  for (const o of objects) {
    const obj = o as {
      spec?: {
        containers?: ContainerRef[];
        initContainers?: ContainerRef[];
        template?: { spec?: { containers?: ContainerRef[]; initContainers?: ContainerRef[] } };
      };
    };
    const spec = obj.spec?.template?.spec ?? obj.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      if (c.image) out.add(c.image);
      for (const e of c.env ?? []) if (e.name?.endsWith('_IMAGE') && e.value) out.add(e.value);
    }
  }
  return [...out];
}
