// Our container images, built offline (issue 11): every image the install manifest
// and the bookinfo manifests name — the mesh under upstream's names (pilot, ztunnel,
// install-cni, proxyv2 for waypoints) and the sample apps — from
// deploy/images/docker/Dockerfile, FROM a Debian base made with mmdebstrap, with the
// workspace built on the host and copied in (dist/ + production node_modules), by
// `podman build --network=none` inside a container sandbox. Each image is saved as a
// docker-archive under ~/.cache/ambient-ts/images/<target>.tar and rebuilt only when
// its inputs (Dockerfile, base recipe, staged files) change. `kind load image-archive`
// then makes each one pullable under the reference the manifests use.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { ContainerSandbox } from '@ambient-ts/container-sandbox';
import { formatDuration, parseManifests, type Progress } from '@ambient-ts/local-cluster';
import { MESH_MANIFEST, MESH_PROJECTS, BOOKINFO_PROJECT } from '../ambient/mesh-names.js';
import { defaultRecipe, ensureDebianBase, type DebianBase } from '../images/debian-base.js';
import { imagesIn, targetFor, type ImageTarget } from '../images/image-catalog.js';
import { planContext, stageContext, type ContextPlan } from '../images/image-context.js';
import { readImagesEnv } from '../images/config.js';
import {
  buildAndSave,
  importBase,
  imageSize,
  type ContainerRunner,
} from '../images/podman-builds.js';
import { REPO_ROOT } from '../repo.js';
import { bookinfoManifestText } from '../scenarios/bookinfo.js';
import { buildProjects } from '../workspace-build.js';

export { imagesIn, repositoryOf } from '../images/image-catalog.js';

export const DOCKERFILE = path.join(REPO_ROOT, 'deploy', 'images', 'docker', 'Dockerfile');

export interface ImageArchive {
  /** The reference exactly as the manifests name it (what `kind load` registers). */
  readonly ref: string;
  /** docker-archive tarball. */
  readonly archive: string;
}

export interface BuildImagesOptions {
  /** Skip `nx run-many -t build` (the caller built the workspace already). */
  readonly skipWorkspaceBuild?: boolean;
  /** Stage the build contexts only (for `docker build` elsewhere); no podman. */
  readonly stageOnly?: boolean;
  /** Where podman runs; default a fresh container sandbox with the "images" store. */
  readonly openRunner?: () => Promise<ContainerRunner & { close(): Promise<void> }>;
}

/** Every image reference the install and the bookinfo sample use, in manifest order. */
export async function manifestImageRefs(): Promise<string[]> {
  const mesh = parseManifests(await readFile(MESH_MANIFEST, 'utf8'), MESH_MANIFEST);
  const bookinfo = (await bookinfoManifestText()).flatMap((t) => parseManifests(t));
  return imagesIn([...mesh, ...bookinfo]);
}

/** The input hash of one image: what it is built from and how. */
export function imageInputHash(
  dockerfileText: string,
  target: string,
  ref: string,
  baseHash: string,
  contextHash: string,
): string {
  return createHash('sha256')
    .update(JSON.stringify({ dockerfileText, target, ref, baseHash, contextHash }))
    .digest('hex');
}

const stampOf = (archive: string): string => `${archive}.inputs`;

/** Builds (or reuses) the docker-archive of every image the manifests name. */
export async function buildImageArchives(
  progress: Progress,
  opts: BuildImagesOptions = {},
): Promise<ImageArchive[]> {
  const env = readImagesEnv();
  const started = Date.now();
  const refs = await manifestImageRefs();
  const targets = new Map<string, ImageTarget>(refs.map((r) => [r, targetFor(r)]));
  progress(`images: ${refs.length} to provide (${refs.join(', ')})`);

  if (!opts.skipWorkspaceBuild) await buildProjects([...MESH_PROJECTS, BOOKINFO_PROJECT], progress);

  const base = await ensureDebianBase(
    env.cacheDir,
    defaultRecipe(),
    process.versions.node,
    progress,
  );
  progress(
    `images: base ${base.recipe.suite} (Node ${base.nodeVersion}) ${path.basename(base.tarball)}`,
  );

  const plans = new Map<string, ContextPlan>();
  for (const t of targets.values()) {
    if (plans.has(t.context)) continue;
    plans.set(t.context, await planContext(REPO_ROOT, t.context, t.contents, env.workDir));
  }
  const dockerfileText = await readFile(DOCKERFILE, 'utf8');

  const out: ImageArchive[] = [];
  const todo: { ref: string; target: ImageTarget; archive: string; hash: string }[] = [];
  for (const [ref, target] of targets) {
    const plan = plans.get(target.context);
    if (!plan) throw new Error(`no context plan for ${target.context}`);
    const hash = imageInputHash(dockerfileText, target.target, ref, base.hash, plan.hash);
    const archive = path.join(env.cacheDir, `${target.target}.tar`);
    out.push({ ref, archive });
    const stamp = await readFile(stampOf(archive), 'utf8').catch(() => '');
    if (existsSync(archive) && stamp === hash) progress(`images: ${ref} up to date`);
    else todo.push({ ref, target, archive, hash });
  }

  await mkdir(env.contextRoot, { recursive: true });
  if (opts.stageOnly) {
    for (const plan of plans.values()) await stageContext(env.contextRoot, plan);
    progress(`images: contexts staged in ${env.contextRoot} (build with ${DOCKERFILE})`);
    return out;
  }
  if (todo.length === 0) {
    progress(
      `images: all ${out.length} archives up to date in ${formatDuration(Date.now() - started)}`,
    );
    return out;
  }

  const runner = await (opts.openRunner ?? openSandbox(progress))();
  try {
    const baseRef = await importBase(runner, base, (l) => {
      progress(`images: import: ${l}`);
    });
    for (const job of todo) {
      const t0 = Date.now();
      const plan = plans.get(job.target.context);
      if (plan) await stageContext(env.contextRoot, plan);
      progress(`images: building ${job.ref} (target ${job.target.target})…`);
      await buildAndSave(
        runner,
        {
          dockerfile: DOCKERFILE,
          contextRoot: env.contextRoot,
          target: job.target.target,
          ref: job.ref,
          baseRef,
        },
        job.archive,
        (l) => {
          progress(`images:   ${l}`);
        },
      );
      await writeFile(stampOf(job.archive), job.hash);
      const size = await imageSize(runner, job.ref);
      progress(
        `images: ${job.ref} → ${path.basename(job.archive)} (${(size / 1e6).toFixed(0)} MB) in ${formatDuration(Date.now() - t0)}`,
      );
    }
    // Superseded layers of earlier builds.
    await runner.run(['podman', 'image', 'prune', '-f'], { reject: false });
  } finally {
    await runner.close();
  }
  progress(
    `images: ${todo.length} built, ${out.length - todo.length} reused, in ${formatDuration(Date.now() - started)}`,
  );
  return out;
}

function openSandbox(
  progress: Progress,
): () => Promise<ContainerRunner & { close(): Promise<void> }> {
  return async () => {
    const sandbox = await ContainerSandbox.start({ store: 'images', progress });
    return {
      run: (argv, o) => sandbox.run(argv, o),
      close: () => sandbox.close(),
    };
  };
}

export type { DebianBase };
