// The only place this package reads the environment (ARCHITECTURE.md §5).
import os from 'node:os';
import path from 'node:path';

export interface ContainerSandboxEnv {
  /** Root of our caches; container storage goes to <cacheRoot>/containers/<store>. */
  readonly cacheRoot: string;
  /** PATH inside the sandbox (podman finds conmon, netavark, runc, kind through it). */
  readonly path: string;
  /** Where the sandbox's runtime files (forward sockets) go; a host directory. */
  readonly tmpDir: string;
}

export function readSandboxEnv(env: NodeJS.ProcessEnv = process.env): ContainerSandboxEnv {
  const home = env['HOME'] ?? os.homedir();
  return {
    cacheRoot:
      env['AMBIENT_TS_CACHE_DIR'] ??
      path.join(env['XDG_CACHE_HOME'] ?? path.join(home, '.cache'), 'ambient-ts'),
    path: env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    tmpDir: os.tmpdir(),
  };
}
