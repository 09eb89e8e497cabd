// The only place the image build reads the environment.
import os from 'node:os';
import path from 'node:path';

export interface ImagesEnv {
  /** ~/.cache/ambient-ts/images: the base tarball, the archives and their input stamps. */
  readonly cacheDir: string;
  /** Staged build contexts (the Dockerfile's context directory). */
  readonly contextRoot: string;
  /** Scratch files made while staging (the bundled CNI plugin). */
  readonly workDir: string;
}

export function readImagesEnv(env: NodeJS.ProcessEnv = process.env): ImagesEnv {
  const home = env['HOME'] ?? os.homedir();
  const cacheRoot =
    env['AMBIENT_TS_CACHE_DIR'] ??
    path.join(env['XDG_CACHE_HOME'] ?? path.join(home, '.cache'), 'ambient-ts');
  const cacheDir = path.join(cacheRoot, 'images');
  return {
    cacheDir,
    contextRoot: path.join(cacheDir, 'context'),
    workDir: path.join(cacheDir, 'work'),
  };
}
