// The only place this package reads the environment (ARCHITECTURE.md §5).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface KindImageEnv {
  /** <cache>/kind holds the Go-built tools, root file systems and build logs. */
  readonly cacheRoot: string;
  readonly goBinary: string;
  /** The Debian mirror mmdebstrap downloads from (the one apt uses here). */
  readonly debianMirror: string;
  readonly inherited: Readonly<NodeJS.ProcessEnv>;
}

export function readKindImageEnv(env: NodeJS.ProcessEnv = process.env): KindImageEnv {
  const home = env['HOME'] ?? os.homedir();
  const cache =
    env['AMBIENT_TS_CACHE_DIR'] ??
    path.join(env['XDG_CACHE_HOME'] ?? path.join(home, '.cache'), 'ambient-ts');
  return {
    cacheRoot: path.join(cache, 'kind'),
    goBinary: env['AMBIENT_TS_GO'] ?? 'go',
    debianMirror: env['AMBIENT_TS_DEBIAN_MIRROR'] ?? aptMirror(),
    inherited: { ...env },
  };
}

/** The first http(s) URI apt is configured with, else Debian's redirector. */
function aptMirror(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    try {
      const text = readFileSync(file, 'utf8');
      const m = /^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(https?:\/\/\S+\/debian)\/?\s/m.exec(text);
      if (m?.[1]) return m[1];
    } catch {
      // try the next
    }
  }
  return 'http://deb.debian.org/debian';
}
