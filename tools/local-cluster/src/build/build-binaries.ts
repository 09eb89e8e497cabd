// Builds kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy
// and CoreDNS (the local cluster), and on request kubelet, kubeadm and kubectl
// (the kind node image), from their Go modules with the machine's Go toolchain, into a
// cache keyed by the Kubernetes version and the Go version. Only the first run
// pays; later runs find every binary in the manifest and return at once.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import {
  access,
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { readEnv, type LocalClusterEnv } from '../config.js';
import { KubeBuildError } from '../errors.js';
import { formatDuration, type Progress } from '../progress.js';
import { COREDNS_VERSION, KUBERNETES_VERSION, STAGING_VERSION } from '../versions.js';
import { withDirLock } from './dir-lock.js';
import {
  COREDNS_PLUGINS,
  coreDnsGoMod,
  coreDnsMain,
  goDirectiveOf,
  kubeBuildGoMod,
  kubeLdflags,
  stagingModulesFromGoMod,
} from './go-module.js';
import { GoOutputSummary } from './go-output.js';

/** The binaries a cluster needs, by the file name they have in the cache dir. */
export const KUBE_COMMANDS = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
] as const;
/** What a kind node image needs on top: the node agent, the installer and the client. */
export const KIND_KUBE_COMMANDS = ['kubelet', 'kubeadm', 'kubectl'] as const;
export const COREDNS_BINARY = 'coredns';
export type KubeCommand = (typeof KUBE_COMMANDS)[number] | (typeof KIND_KUBE_COMMANDS)[number];
export type BinaryName = KubeCommand | typeof COREDNS_BINARY;

/** The local cluster's binaries (the default of ensureKubeBinaries). */
export const LOCAL_CLUSTER_BINARIES: readonly BinaryName[] = [...KUBE_COMMANDS, COREDNS_BINARY];
/** A kind node image's: the control-plane images' binaries and kubelet, kubeadm, kubectl. */
export const KIND_NODE_BINARIES: readonly BinaryName[] = [
  ...KUBE_COMMANDS,
  ...KIND_KUBE_COMMANDS,
  COREDNS_BINARY,
];

export interface KubeBinaries {
  /** Directory holding kube-apiserver, …, kube-proxy and coredns. */
  readonly dir: string;
  /** True when every binary came from the cache. */
  readonly cached: boolean;
  readonly goVersion: string;
  /** Wall time of this call (lookup, or build). */
  readonly elapsedMs: number;
  readonly built: readonly BinaryName[];
}

interface ManifestEntry {
  readonly version: string;
  readonly goVersion: string;
  readonly buildSeconds: number;
  readonly builtAt: string;
}
type Manifest = Partial<Record<BinaryName, ManifestEntry>>;

export interface EnsureBinariesOptions {
  readonly progress: Progress;
  readonly env?: LocalClusterEnv;
  /** How often to print a progress line while go compiles. */
  readonly progressIntervalMs?: number;
  /** Which binaries must be there (default LOCAL_CLUSTER_BINARIES). */
  readonly binaries?: readonly BinaryName[];
}

function wantedVersion(name: BinaryName): string {
  return name === COREDNS_BINARY ? COREDNS_VERSION : KUBERNETES_VERSION;
}

export async function goVersion(goBinary: string): Promise<string> {
  const out = await runCapture(goBinary, ['env', 'GOVERSION']).catch((err: unknown) => {
    throw new KubeBuildError(
      `cannot run '${goBinary} env GOVERSION' (${String(err)}); install Go >= 1.26 or set AMBIENT_TS_GO`,
    );
  });
  return out.trim();
}

export function binariesDir(env: LocalClusterEnv, goVer: string): string {
  return path.join(env.cacheRoot, 'kubernetes', KUBERNETES_VERSION, goVer);
}

async function readManifest(dir: string): Promise<Manifest> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return {};
  }
}

async function missingBinaries(
  dir: string,
  goVer: string,
  wanted: readonly BinaryName[],
): Promise<BinaryName[]> {
  const manifest = await readManifest(dir);
  const missing: BinaryName[] = [];
  for (const name of wanted) {
    const entry = manifest[name];
    const present = await access(path.join(dir, name)).then(
      () => true,
      () => false,
    );
    if (!present || entry?.version !== wantedVersion(name) || entry.goVersion !== goVer) {
      missing.push(name);
    }
  }
  return missing;
}

export async function ensureKubeBinaries(options: EnsureBinariesOptions): Promise<KubeBinaries> {
  const started = Date.now();
  const env = options.env ?? readEnv();
  const { progress } = options;
  const goVer = await goVersion(env.goBinary);
  const dir = binariesDir(env, goVer);
  const wanted = options.binaries ?? LOCAL_CLUSTER_BINARIES;
  await mkdir(dir, { recursive: true });

  if ((await missingBinaries(dir, goVer, wanted)).length === 0) {
    progress(`Kubernetes ${KUBERNETES_VERSION} binaries (${goVer}): cache hit in ${dir}`);
    return { dir, cached: true, goVersion: goVer, elapsedMs: Date.now() - started, built: [] };
  }

  return withDirLock(
    path.join(dir, '.build.lock'),
    (owner) => {
      progress(`another process (pid ${owner}) is building into ${dir}; waiting for it`);
    },
    async () => {
      // Re-check under the lock: the process we waited for may have built them.
      const missing = await missingBinaries(dir, goVer, wanted);
      if (missing.length === 0) {
        progress(`Kubernetes binaries built by another process; using ${dir}`);
        return { dir, cached: true, goVersion: goVer, elapsedMs: Date.now() - started, built: [] };
      }
      progress(
        `building ${missing.join(', ')} with ${goVer} (first run only; this takes several minutes on 2 cores) into ${dir}`,
      );
      const builder = new GoBuilder(
        env,
        goVer,
        dir,
        progress,
        options.progressIntervalMs ?? 15_000,
      );
      const work = await mkdtemp(path.join(os.tmpdir(), 'ambient-ts-kube-build-'));
      try {
        const kubeMissing = [...KUBE_COMMANDS, ...KIND_KUBE_COMMANDS].filter((c) =>
          missing.includes(c),
        );
        if (kubeMissing.length > 0) await builder.buildKube(path.join(work, 'kube'), kubeMissing);
        if (missing.includes(COREDNS_BINARY))
          await builder.buildCoreDns(path.join(work, 'coredns'));
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      const elapsedMs = Date.now() - started;
      progress(`Kubernetes binaries built in ${formatDuration(elapsedMs)}: ${dir}`);
      return { dir, cached: false, goVersion: goVer, elapsedMs, built: missing };
    },
  );
}

class GoBuilder {
  private readonly logDir: string;
  private readonly buildSeconds = new Map<string, number>();

  constructor(
    private readonly env: LocalClusterEnv,
    private readonly goVer: string,
    private readonly outDir: string,
    private readonly progress: Progress,
    private readonly intervalMs: number,
  ) {
    this.logDir = path.join(outDir, 'build-logs');
  }

  async buildKube(work: string, commands: readonly KubeCommand[]): Promise<void> {
    await mkdir(work, { recursive: true });
    const module = `k8s.io/kubernetes@${KUBERNETES_VERSION}`;
    this.progress(`resolving ${module} from the Go module proxy`);
    const info = JSON.parse(
      await this.go(work, 'resolve', ['mod', 'download', '-json', module]),
    ) as { GoMod?: string };
    if (!info.GoMod) throw new KubeBuildError(`go mod download ${module} returned no go.mod path`);
    const upstream = await readFile(info.GoMod, 'utf8');
    await writeFile(
      path.join(work, 'go.mod'),
      kubeBuildGoMod({
        kubernetesVersion: KUBERNETES_VERSION,
        stagingVersion: STAGING_VERSION,
        stagingModules: stagingModulesFromGoMod(upstream),
        goDirective: goDirectiveOf(upstream),
      }),
    );
    const pkgs = commands.map((c) => `k8s.io/kubernetes/cmd/${c}`);
    this.progress(`downloading the module graph for ${commands.join(', ')}`);
    // `go get -tool` records the commands as tools, which pins their whole
    // dependency graph in go.mod/go.sum so `go build <pkg>` works here.
    await this.go(work, 'go-get', ['get', '-tool', ...pkgs]);
    const ldflags = kubeLdflags(KUBERNETES_VERSION);
    for (const [i, cmd] of commands.entries()) {
      await this.buildOne(work, cmd, `(${i + 1}/${commands.length})`, [
        'build',
        '-v',
        '-trimpath',
        `-ldflags=${ldflags}`,
        '-o',
        path.join(work, 'bin', cmd),
        `k8s.io/kubernetes/cmd/${cmd}`,
      ]);
      await this.install(path.join(work, 'bin', cmd), cmd);
    }
  }

  async buildCoreDns(work: string): Promise<void> {
    await mkdir(work, { recursive: true });
    const info = JSON.parse(
      await this.go(work, 'resolve-coredns', [
        'mod',
        'download',
        '-json',
        `github.com/coredns/coredns@${COREDNS_VERSION}`,
      ]),
    ) as { GoMod?: string };
    if (!info.GoMod) throw new KubeBuildError('go mod download of CoreDNS returned no go.mod path');
    const upstream = await readFile(info.GoMod, 'utf8');
    await writeFile(
      path.join(work, 'go.mod'),
      coreDnsGoMod(COREDNS_VERSION, goDirectiveOf(upstream)),
    );
    await writeFile(path.join(work, 'main.go'), coreDnsMain(COREDNS_PLUGINS));
    this.progress(`downloading the module graph for CoreDNS ${COREDNS_VERSION}`);
    await this.go(work, 'coredns-tidy', ['mod', 'tidy']);
    await this.buildOne(work, COREDNS_BINARY, '', [
      'build',
      '-v',
      '-trimpath',
      '-ldflags=-s -w',
      '-o',
      path.join(work, 'bin', COREDNS_BINARY),
      '.',
    ]);
    await this.install(path.join(work, 'bin', COREDNS_BINARY), COREDNS_BINARY);
  }

  private async buildOne(
    work: string,
    name: string,
    ordinal: string,
    args: string[],
  ): Promise<void> {
    const started = Date.now();
    this.progress(`go build ${name} ${ordinal}`.trimEnd());
    await this.go(work, `build-${name}`, args, (summary) => {
      this.progress(`  ${name}: ${summary.describe()} (${formatDuration(Date.now() - started)})`);
    });
    this.progress(`  ${name}: built in ${formatDuration(Date.now() - started)}`);
    this.buildSeconds.set(name, (Date.now() - started) / 1000);
  }

  /** Moves a finished binary into the cache and records it, one at a time, so a crash keeps what was built. */
  private async install(from: string, name: BinaryName): Promise<void> {
    await rename(from, path.join(this.outDir, name)).catch(async (err: unknown) => {
      // rename fails across filesystems (tmp vs cache); copy then.
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      const tmp = path.join(this.outDir, `.${name}.tmp`);
      await copyFile(from, tmp);
      await chmod(tmp, 0o755);
      await rename(tmp, path.join(this.outDir, name));
    });
    const manifest = await readManifest(this.outDir);
    manifest[name] = {
      version: wantedVersion(name),
      goVersion: this.goVer,
      buildSeconds: this.buildSeconds.get(name) ?? 0,
      builtAt: new Date().toISOString(),
    };
    await writeFile(
      path.join(this.outDir, 'manifest.json'),
      JSON.stringify(manifest, null, 2) + '\n',
    );
  }

  /** Runs go under `nice` (the machine is shared), logging everything and returning stdout. */
  private async go(
    cwd: string,
    logName: string,
    args: string[],
    onTick?: (summary: GoOutputSummary) => void,
  ): Promise<string> {
    await mkdir(this.logDir, { recursive: true });
    const logPath = path.join(this.logDir, `${logName}.log`);
    const log = createWriteStream(logPath);
    const summary = new GoOutputSummary();
    const child = spawn('nice', ['-n', '10', this.env.goBinary, ...args], {
      cwd,
      env: {
        ...this.env.inherited,
        CGO_ENABLED: '0',
        GOTOOLCHAIN: 'local',
        GOWORK: 'off',
        GOFLAGS: '-mod=mod',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      log.write(line + '\n');
      summary.feed(line);
    });
    const timer = onTick
      ? setInterval(() => {
          onTick(summary);
        }, this.intervalMs)
      : undefined;
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    }).finally(() => {
      if (timer) clearInterval(timer);
    });
    await new Promise<void>((resolve) => log.end(resolve));
    if (code !== 0) {
      throw new KubeBuildError(
        `go ${args.slice(0, 2).join(' ')} failed in ${cwd} (exit ${code}); last output:\n${summary.lastLines()}\nfull log: ${logPath}`,
      );
    }
    return stdout;
  }
}

function runCapture(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`));
    });
  });
}
