#!/usr/bin/env node
// Fresh-machine set-up, run first by `npm run demo`, `npm test` and .ci/run:
//   node tools/scripts/bootstrap.mjs <demo|test|ci>
// Installs or builds whatever is missing, showing progress, or says exactly what it
// cannot do: Debian packages (apt-get, as root), npm dependencies (npm ci), the
// Kubernetes binaries (npm run kube:build), and for test/ci the container images
// (npm run images:build). Each step is a quick check when its result exists already.
// Plain Node with no dependencies: node_modules may not exist yet.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODES = ['demo', 'test', 'ci'];
const mode = process.argv[2] ?? 'test';
if (!MODES.includes(mode)) {
  console.error(`bootstrap: unknown mode ${mode} (one of ${MODES.join(', ')})`);
  process.exit(2);
}

/** The local cluster (etcd, iptables, CNI plugins, nsenter), the native addon's build, load tools. */
const LOCAL_CLUSTER_PACKAGES = [
  'iptables',
  'iproute2',
  'ipset',
  'conntrack',
  'etcd-server',
  'containernetworking-plugins',
  'nghttp2-client',
  'curl',
  'iperf3',
  'hey',
  'util-linux',
  'procps',
  'build-essential',
  'python3',
];
/** kind and the images: podman in a sandbox, the Debian base made by mmdebstrap. */
const KIND_PACKAGES = ['podman', 'buildah', 'skopeo', 'containerd', 'runc', 'mmdebstrap', 'uidmap'];
/** Where these machines keep the Go toolchain that builds Kubernetes (and kind). */
const GO_DIRS = ['/usr/local/go/bin', path.join(process.env.HOME ?? '/root', 'go', 'bin')];

const started = Date.now();
const step = (msg) =>
  console.error(`\n=== [bootstrap ${mode} +${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}`);

/** Runs a command with its output shown; exits with its status when it fails. */
function run(cmd, args, env = {}) {
  console.error(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
  });
  if (r.error) cannot(`${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0) cannot(`${[cmd, ...args].join(' ')} failed with status ${r.status}`);
}

function cannot(reason) {
  console.error(`\nbootstrap: cannot continue: ${reason}`);
  process.exit(1);
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// Node: the workspace and the images are built for Node 20.19+.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19))
  cannot(`Node ${process.versions.node} is too old: install Node 20.19 or newer`);

// 1. Debian packages.
const wanted =
  mode === 'demo' ? LOCAL_CLUSTER_PACKAGES : [...LOCAL_CLUSTER_PACKAGES, ...KIND_PACKAGES];
if (process.platform !== 'linux') {
  step(`Debian packages: skipped (${process.platform} is not Linux: the clusters cannot run here)`);
} else if (!has('dpkg-query') || !has('apt-get')) {
  step(`Debian packages: skipped (no dpkg/apt-get: install ${wanted.join(' ')} yourself)`);
} else {
  const q = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...wanted], {
    encoding: 'utf8',
  });
  const installed = new Set(
    (q.stdout ?? '')
      .split('\n')
      .filter((l) => l.endsWith(' installed'))
      .map((l) => l.split(' ')[0]),
  );
  const missing = wanted.filter((p) => !installed.has(p));
  if (missing.length === 0) step(`Debian packages: all ${wanted.length} installed`);
  else if (process.getuid?.() !== 0) {
    cannot(
      `missing Debian packages; as root run:\n  apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
  } else {
    step(`Debian packages: installing ${missing.join(' ')}`);
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update'], env);
    run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], env);
  }
}

// 2. npm dependencies (npm ci also builds the linux-sockets addon in postinstall).
const hiddenLock = path.join(ROOT, 'node_modules', '.package-lock.json');
const lock = path.join(ROOT, 'package-lock.json');
// npm writes both files at the end of an install; a lock newer by more than a few seconds
// came from git (a pull, a checkout) and needs a fresh install.
if (!existsSync(hiddenLock) || statSync(hiddenLock).mtimeMs < statSync(lock).mtimeMs - 5000) {
  step('npm dependencies: npm ci (node_modules is missing or older than package-lock.json)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
} else step('npm dependencies: installed');

const npmEnv = {
  PATH: [...GO_DIRS.filter((d) => existsSync(d)), process.env.PATH ?? ''].join(':'),
  NX_DAEMON: 'false',
  NX_TUI: 'false',
  NX_NO_CLOUD: 'true',
};
if (process.platform !== 'linux') {
  step('Kubernetes binaries and images: skipped (not Linux)');
  process.exit(0);
}

// 3. Kubernetes binaries (built once with Go, then cached): the demo's local cluster needs
// the control plane; the test run's kind suite also kubelet, kubeadm and kubectl.
const goOk = spawnSync('go', ['version'], { env: { ...process.env, ...npmEnv }, stdio: 'ignore' });
if (goOk.status !== 0)
  cannot(
    `no Go toolchain (looked in PATH and ${GO_DIRS.join(', ')}): the Kubernetes binaries are built from source with Go; install Go into /usr/local/go`,
  );
step('Kubernetes binaries: npm run kube:build (cached after the first build)');
run('npm', ['run', '-s', 'kube:build', ...(mode === 'demo' ? ['--', '--local-only'] : [])], npmEnv);

// 4. Container images for the kind suite (cached; rebuilt only when their inputs change).
if (mode !== 'demo') {
  step('container images: npm run images:build');
  run('npm', ['run', '-s', 'images:build'], npmEnv);
}
step(`ready in ${((Date.now() - started) / 1000).toFixed(0)}s`);
