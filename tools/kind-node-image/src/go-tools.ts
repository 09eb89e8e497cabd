// Small Go programs the kind path needs, built once with the machine's Go from
// the Go module proxy and cached under <cache>/kind/bin/<name>-<version>:
// kind itself, crictl, etcd, and our pause.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatDuration, type Progress } from '@ambient-ts/local-cluster';
import { readKindImageEnv, type KindImageEnv } from './config.js';
import { KindImageError } from './errors.js';
import { CRICTL_VERSION, ETCD_VERSION, KIND_VERSION } from './versions.js';

export interface GoTool {
  /** The cached binary's file name. */
  readonly name: string;
  readonly version: string;
  /** `go install <package>@<version>`, or our own main.go (source). */
  readonly package?: string;
  readonly source?: string;
  /**
   * Build `package` from a throwaway module that requires it (`go get` + `go build`): for
   * modules whose go.mod has replace directives, which `go install pkg@version` refuses.
   */
  readonly viaModule?: boolean;
}

export const KIND_TOOL: GoTool = {
  name: 'kind',
  version: KIND_VERSION,
  package: 'sigs.k8s.io/kind',
};
export const CRICTL_TOOL: GoTool = {
  name: 'crictl',
  version: CRICTL_VERSION,
  package: 'sigs.k8s.io/cri-tools/cmd/crictl',
};
export const ETCD_TOOL: GoTool = {
  name: 'etcd',
  version: ETCD_VERSION,
  package: 'go.etcd.io/etcd/server/v3',
  viaModule: true,
};

/**
 * The pod sandbox's one process: holds the pod's namespaces, reaps orphans when
 * it is pid 1 of a shared pid namespace, exits on SIGINT/SIGTERM.
 */
export const PAUSE_SOURCE = `package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
`;
export const PAUSE_TOOL: GoTool = { name: 'pause', version: 'ambient-ts-1', source: PAUSE_SOURCE };

export function goToolPath(tool: GoTool, env: KindImageEnv = readKindImageEnv()): string {
  return path.join(env.cacheRoot, 'bin', `${tool.name}-${tool.version}`);
}

/** The cached binary, built first if missing (static: CGO_ENABLED=0). */
export async function ensureGoTool(
  tool: GoTool,
  progress: Progress,
  env: KindImageEnv = readKindImageEnv(),
): Promise<string> {
  const target = goToolPath(tool, env);
  if (existsSync(target)) return target;
  await mkdir(path.dirname(target), { recursive: true });
  const work = await mkdtemp(path.join(os.tmpdir(), `ambient-ts-go-${tool.name}-`));
  const started = Date.now();
  const log = path.join(env.cacheRoot, 'build-logs', `${tool.name}-${tool.version}.log`);
  await mkdir(path.dirname(log), { recursive: true });
  try {
    if (tool.package && tool.viaModule) {
      progress(`go build ${tool.package}@${tool.version} in a throwaway module (first run only)`);
      await writeFile(
        path.join(work, 'go.mod'),
        `module ambient-ts.local/${tool.name}-build\n\ngo 1.26\n`,
      );
      await runGo(
        env,
        work,
        ['get', `${tool.package}@${tool.version}`],
        log,
        {},
        progress,
        tool.name,
      );
      await runGo(
        env,
        work,
        [
          'build',
          '-v',
          '-trimpath',
          '-ldflags=-s -w',
          '-o',
          path.join(work, 'bin', tool.name),
          tool.package,
        ],
        log,
        {},
        progress,
        tool.name,
      );
    } else if (tool.package) {
      progress(`go install ${tool.package}@${tool.version} (first run only)`);
      await runGo(
        env,
        work,
        ['install', '-v', `${tool.package}@${tool.version}`],
        log,
        { GOBIN: path.join(work, 'bin') },
        progress,
        tool.name,
      );
    } else {
      progress(`go build ${tool.name} (first run only)`);
      await writeFile(
        path.join(work, 'go.mod'),
        `module ambient-ts.local/${tool.name}\n\ngo 1.22\n`,
      );
      await writeFile(path.join(work, 'main.go'), tool.source ?? '');
      await runGo(
        env,
        work,
        ['build', '-trimpath', '-ldflags=-s -w', '-o', path.join(work, 'bin', tool.name), '.'],
        log,
        {},
      );
    }
    const built = path.join(
      work,
      'bin',
      tool.package && !tool.viaModule ? installedName(tool.package) : tool.name,
    );
    const tmp = `${target}.tmp-${process.pid}`;
    await copyFile(built, tmp);
    await chmod(tmp, 0o755);
    await rename(tmp, target);
    progress(
      `${tool.name} ${tool.version} built in ${formatDuration(Date.now() - started)}: ${target}`,
    );
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `go install` names the binary after the last path element that is not a major version. */
export function installedName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts[parts.length - 1] ?? pkg;
  return /^v\d+$/.test(last) ? (parts[parts.length - 2] ?? last) : last;
}

/**
 * Runs go under `nice` (the machine is shared). With `-v` go prints each package as it is
 * compiled; every 15 s a progress line says how many and the last one, so a long first
 * build is visibly alive.
 */
function runGo(
  env: KindImageEnv,
  cwd: string,
  args: string[],
  logPath: string,
  extra: Record<string, string>,
  progress?: Progress,
  label = args[0] ?? 'go',
): Promise<void> {
  const log = createWriteStream(logPath, { flags: 'a' });
  const started = Date.now();
  let packages = 0;
  let last = '';
  const child = spawn('nice', ['-n', '10', env.goBinary, ...args], {
    cwd,
    env: {
      ...env.inherited,
      CGO_ENABLED: '0',
      GOTOOLCHAIN: 'local',
      GOWORK: 'off',
      GOFLAGS: '',
      ...extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (d: Buffer): void => {
    log.write(d);
    const text = d.toString('utf8');
    tail = (tail + text).slice(-4000);
    for (const line of text.split('\n')) {
      // `-v` lines are bare import paths; downloads and errors have spaces.
      if (/^[\w.-]+(\/[\w.~-]+)+$/.test(line.trim())) {
        packages++;
        last = line.trim();
      }
    }
  };
  const timer = progress
    ? setInterval(() => {
        progress(
          `  ${label}: ${packages} packages compiled, last ${last || '(resolving modules)'} (${formatDuration(Date.now() - started)})`,
        );
      }, 15_000)
    : undefined;
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      reject(new KindImageError(`cannot run ${env.goBinary} (install Go >= 1.26): ${e.message}`));
    });
    child.on('close', (code) => {
      if (timer) clearInterval(timer);
      log.end();
      if (code === 0) resolve();
      else
        reject(
          new KindImageError(
            `go ${args.join(' ')} exited ${code}; log ${logPath}:\n${tail.trim()}`,
          ),
        );
    });
  });
}
