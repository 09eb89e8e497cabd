// The only place this package reads the environment (ARCHITECTURE.md §5).
import os from 'node:os';
import path from 'node:path';

export interface LocalClusterEnv {
  /** Root of our caches; binaries go to <cacheRoot>/kubernetes/<version>/… */
  readonly cacheRoot: string;
  /** Where each cluster's state dir lives: <clustersRoot>/<name>. */
  readonly clustersRoot: string;
  /** The Go toolchain to build with. */
  readonly goBinary: string;
  /** PATH, to check for the tools a cluster needs. */
  readonly path: string;
  /** The environment children inherit (go needs HOME, GOPATH, GOPROXY, …). */
  readonly inherited: Readonly<NodeJS.ProcessEnv>;
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): LocalClusterEnv {
  const home = env['HOME'] ?? os.homedir();
  const cacheRoot =
    env['AMBIENT_TS_CACHE_DIR'] ??
    path.join(env['XDG_CACHE_HOME'] ?? path.join(home, '.cache'), 'ambient-ts');
  return {
    cacheRoot,
    clustersRoot: env['AMBIENT_TS_CLUSTERS_DIR'] ?? '/tmp/ambient-ts-clusters',
    goBinary: env['AMBIENT_TS_GO'] ?? 'go',
    path: env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    inherited: { ...env },
  };
}
