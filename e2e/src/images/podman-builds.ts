// podman steps of the image build, run through a container sandbox (podman's
// state private to it, nothing left on the host): import the Debian base, build
// one Dockerfile target with no network and no pulls, save a docker-archive.
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DebianBase } from './debian-base.js';

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Runs argv where podman's state is private (tools/container-sandbox's ContainerSandbox.run). */
export interface ContainerRunner {
  run(
    argv: readonly string[],
    opts?: { readonly onLine?: (line: string) => void; readonly reject?: boolean },
  ): Promise<RunResult>;
}

/** PATH for the imported rootfs (a tarball carries no image config). */
const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The base under a tag naming its recipe, so a changed recipe never reuses a stale import. */
export function baseImageRef(base: DebianBase): string {
  return `${base.image}-${base.hash}`;
}

/** Imports the base tarball unless this recipe's base is already in the store; tags the Dockerfile's default name too. */
export async function importBase(
  runner: ContainerRunner,
  base: DebianBase,
  onLine: (line: string) => void,
): Promise<string> {
  const ref = baseImageRef(base);
  const exists = await runner.run(['podman', 'image', 'exists', ref], { reject: false });
  if (exists.exitCode !== 0) {
    await runner.run(
      [
        'podman',
        'import',
        '--change',
        `ENV PATH=${BASE_PATH}`,
        '--change',
        'CMD ["/bin/sh"]',
        base.tarball,
        ref,
      ],
      { onLine },
    );
  }
  await runner.run(['podman', 'tag', ref, base.image]);
  return ref;
}

export interface TargetBuild {
  readonly dockerfile: string;
  readonly contextRoot: string;
  readonly target: string;
  readonly ref: string;
  readonly baseRef: string;
}

export function podmanBuildArgv(b: TargetBuild): string[] {
  return [
    'podman',
    'build',
    // Offline: no network for the build, and nothing is pulled (BASE is local).
    '--network=none',
    '--pull=never',
    '--layers',
    '-f',
    b.dockerfile,
    '--target',
    b.target,
    '--build-arg',
    `BASE=${b.baseRef}`,
    '-t',
    b.ref,
    b.contextRoot,
  ];
}

/** Builds one target and saves it as a docker-archive (what `kind load image-archive` reads). */
export async function buildAndSave(
  runner: ContainerRunner,
  b: TargetBuild,
  archive: string,
  onLine: (line: string) => void,
): Promise<void> {
  await runner.run(podmanBuildArgv(b), { onLine });
  const partial = path.join(path.dirname(archive), `.${path.basename(archive)}.partial`);
  await rm(partial, { force: true });
  await runner.run(['podman', 'save', '--format', 'docker-archive', '-o', partial, b.ref], {
    onLine,
  });
  await rename(partial, archive);
}

/** Image size as podman reports it (bytes). */
export async function imageSize(runner: ContainerRunner, ref: string): Promise<number> {
  const r = await runner.run(['podman', 'image', 'inspect', '--format', '{{.Size}}', ref]);
  return Number(r.stdout.trim());
}
