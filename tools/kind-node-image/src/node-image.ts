// Assembles kind's node image offline inside a container sandbox: the
// control-plane images kubeadm asks for (from our Kubernetes build, etcd and
// pause built with Go, kube-proxy on a small Debian base) saved as one archive,
// and the node image — a Debian base with systemd, containerd, runc and CNI
// plugins, our kubelet/kubeadm/kubectl and crictl, kind's /kind files and our
// entrypoint — with that archive preloaded at boot. The tag carries a hash of
// every input, so an unchanged recipe is a cache hit in the sandbox's store.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, copyFile, link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerSandbox } from '@ambient-ts/container-sandbox';
import {
  ensureKubeBinaries,
  formatDuration,
  KIND_NODE_BINARIES,
  KUBERNETES_VERSION,
  type Progress,
} from '@ambient-ts/local-cluster';
import { readKindImageEnv, type KindImageEnv } from './config.js';
import { MASKED_UNITS, nodeImage, proxyImage, staticBinaryImage } from './containerfiles.js';
import { CRICTL_TOOL, ensureGoTool, ETCD_TOOL, PAUSE_TOOL, type GoTool } from './go-tools.js';
import { nodeFiles } from './node-files.js';
import { ensureRootfs, recipeHash, type RootfsRecipe } from './rootfs.js';
import {
  CONTROL_PLANE_IMAGES,
  NODE_PACKAGES,
  NODE_SUITE,
  PROXY_BASE_PACKAGES,
} from './versions.js';

export const NODE_IMAGE_REPOSITORY = 'localhost/ambient-ts/kind-node';
/** Bumped when the assembly changes in a way the inputs below do not show. */
const ASSEMBLY_VERSION = 3;

const NODE_ROOTFS: RootfsRecipe = { name: 'kind-node', suite: NODE_SUITE, packages: NODE_PACKAGES };
const PROXY_ROOTFS: RootfsRecipe = {
  name: 'kube-proxy-base',
  suite: NODE_SUITE,
  packages: PROXY_BASE_PACKAGES,
};

const NODE_BASE_REPOSITORY = 'localhost/ambient-ts/kind-node-base';
const PROXY_BASE_REPOSITORY = 'localhost/ambient-ts/kube-proxy-base';
const nodeBaseRef = (): string => `${NODE_BASE_REPOSITORY}:${recipeHash(NODE_ROOTFS)}`;
const proxyBaseRef = (): string => `${PROXY_BASE_REPOSITORY}:${recipeHash(PROXY_ROOTFS)}`;

export interface KindNodeImage {
  readonly ref: string;
  readonly cached: boolean;
  readonly elapsedMs: number;
}

interface StaticImage {
  readonly ref: string;
  readonly binary: string;
  readonly from: string;
  readonly entrypoint?: readonly string[];
}

/** The node image in the sandbox's store, assembled first if its inputs changed. */
export async function ensureKindNodeImage(
  sandbox: ContainerSandbox,
  progress: Progress,
  env: KindImageEnv = readKindImageEnv(),
): Promise<KindNodeImage> {
  const started = Date.now();
  // The root file systems (network and disk) are made while Go builds (CPU); a cache hit is instant.
  const rootfs = Promise.all([
    ensureRootfs(NODE_ROOTFS, progress, env),
    ensureRootfs(PROXY_ROOTFS, progress, env),
  ]);
  rootfs.catch(() => undefined); // awaited below; not unhandled if a build fails first
  const kube = await ensureKubeBinaries({ progress, binaries: KIND_NODE_BINARIES });
  const tools = new Map<GoTool, string>();
  for (const tool of [CRICTL_TOOL, ETCD_TOOL, PAUSE_TOOL])
    tools.set(tool, await ensureGoTool(tool, progress, env));
  const files = nodeFiles({
    kubernetesVersion: KUBERNETES_VERSION,
    pauseImage: CONTROL_PLANE_IMAGES.pause,
  });
  const tag = `${KUBERNETES_VERSION}-${inputHash(kube.dir, files)}`;
  const ref = `${NODE_IMAGE_REPOSITORY}:${tag}`;
  if (await imageExists(sandbox, ref)) {
    progress(`kind node image ${ref}: cache hit`);
    return { ref, cached: true, elapsedMs: Date.now() - started };
  }
  const [nodeRootfs, proxyRootfs] = await rootfs;
  const work = await mkdtemp(path.join(env.cacheRoot, 'node-image-build-'));
  try {
    const proxyBase = proxyBaseRef();
    const nodeBase = nodeBaseRef();
    await importRootfs(sandbox, proxyRootfs, proxyBase, progress);
    await importRootfs(sandbox, nodeRootfs, nodeBase, progress);

    const bin = (name: string): string => path.join(kube.dir, name);
    const images: StaticImage[] = [
      {
        ref: CONTROL_PLANE_IMAGES.apiserver,
        binary: 'kube-apiserver',
        from: bin('kube-apiserver'),
      },
      {
        ref: CONTROL_PLANE_IMAGES.controllerManager,
        binary: 'kube-controller-manager',
        from: bin('kube-controller-manager'),
      },
      {
        ref: CONTROL_PLANE_IMAGES.scheduler,
        binary: 'kube-scheduler',
        from: bin('kube-scheduler'),
      },
      {
        ref: CONTROL_PLANE_IMAGES.coredns,
        binary: 'coredns',
        from: bin('coredns'),
        entrypoint: ['/usr/local/bin/coredns'],
      },
      { ref: CONTROL_PLANE_IMAGES.etcd, binary: 'etcd', from: tools.get(ETCD_TOOL) ?? '' },
      {
        ref: CONTROL_PLANE_IMAGES.pause,
        binary: 'pause',
        from: tools.get(PAUSE_TOOL) ?? '',
        entrypoint: ['/usr/local/bin/pause'],
      },
    ];
    for (const image of images) {
      const ctx = path.join(work, image.binary);
      await mkdir(ctx, { recursive: true });
      await place(image.from, path.join(ctx, image.binary));
      await writeFile(
        path.join(ctx, 'Containerfile'),
        staticBinaryImage(image.binary, image.entrypoint),
      );
      await build(sandbox, ctx, image.ref, progress);
    }
    const proxyCtx = path.join(work, 'kube-proxy');
    await mkdir(proxyCtx, { recursive: true });
    await place(bin('kube-proxy'), path.join(proxyCtx, 'kube-proxy'));
    await writeFile(path.join(proxyCtx, 'Containerfile'), proxyImage(proxyBase));
    await build(sandbox, proxyCtx, CONTROL_PLANE_IMAGES.proxy, progress);

    const nodeCtx = path.join(work, 'node');
    await mkdir(path.join(nodeCtx, 'bin'), { recursive: true });
    const refs = [...images.map((i) => i.ref), CONTROL_PLANE_IMAGES.proxy];
    progress(`saving ${refs.length} control-plane images for the node's preload`);
    await sandbox.run([
      'podman',
      'save',
      '--multi-image-archive',
      '--format',
      'docker-archive',
      '-o',
      path.join(nodeCtx, 'control-plane.tar'),
      ...refs,
    ]);
    for (const name of ['kubelet', 'kubeadm', 'kubectl'])
      await place(bin(name), path.join(nodeCtx, 'bin', name));
    await place(tools.get(CRICTL_TOOL) ?? '', path.join(nodeCtx, 'bin', 'crictl'));
    for (const f of files) {
      const target = path.join(nodeCtx, 'rootfs', f.path);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, f.content);
      await chmod(target, f.mode);
    }
    await writeFile(path.join(nodeCtx, 'Containerfile'), nodeImage(nodeBase));
    await build(sandbox, nodeCtx, ref, progress);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await removeOlderImages(sandbox, NODE_IMAGE_REPOSITORY, ref, progress);
  await removeOlderImages(sandbox, NODE_BASE_REPOSITORY, nodeBaseRef(), progress);
  await removeOlderImages(sandbox, PROXY_BASE_REPOSITORY, proxyBaseRef(), progress);
  await sandbox.run(['podman', 'image', 'prune', '-f'], { reject: false });
  const elapsedMs = Date.now() - started;
  progress(`kind node image ${ref} assembled in ${formatDuration(elapsedMs)}`);
  return { ref, cached: false, elapsedMs };
}

function inputHash(kubeDir: string, files: readonly { path: string; content: string }[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ ASSEMBLY_VERSION, CONTROL_PLANE_IMAGES, MASKED_UNITS }));
  h.update(recipeHash(NODE_ROOTFS) + recipeHash(PROXY_ROOTFS));
  h.update(nodeImage('') + proxyImage('') + staticBinaryImage('x', undefined));
  for (const t of [CRICTL_TOOL, ETCD_TOOL, PAUSE_TOOL]) h.update(`${t.name}@${t.version}`);
  // The Kubernetes build's manifest names each binary's version, Go version and build time.
  try {
    h.update(readFileSync(path.join(kubeDir, 'manifest.json')));
  } catch {
    h.update('no manifest');
  }
  for (const f of files) h.update(`${f.path}\0${f.content}\0`);
  return h.digest('hex').slice(0, 12);
}

/** Earlier images of a repository (a node image is ~700 MB): the store is a cache, not an archive. */
async function removeOlderImages(
  sandbox: ContainerSandbox,
  repository: string,
  keep: string,
  progress: Progress,
): Promise<void> {
  const listed = await sandbox.run(
    ['podman', 'images', '--format', '{{.Repository}}:{{.Tag}}', repository],
    { reject: false },
  );
  const old = listed.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== keep && !l.endsWith(':<none>'));
  if (old.length > 0) {
    progress(`removing ${old.length} older image(s): ${old.join(', ')}`);
    // A node container of a running cluster may still use one: then it stays.
    await sandbox.run(['podman', 'rmi', ...old], { reject: false });
  }
}

async function imageExists(sandbox: ContainerSandbox, ref: string): Promise<boolean> {
  const r = await sandbox.run(['podman', 'image', 'exists', ref], { reject: false });
  return r.exitCode === 0;
}

async function importRootfs(
  sandbox: ContainerSandbox,
  tarball: string,
  ref: string,
  progress: Progress,
): Promise<void> {
  if (await imageExists(sandbox, ref)) return;
  progress(`podman import ${path.basename(tarball)} as ${ref}`);
  await sandbox.run(['podman', 'import', tarball, ref]);
}

async function build(
  sandbox: ContainerSandbox,
  ctx: string,
  ref: string,
  progress: Progress,
): Promise<void> {
  const started = Date.now();
  progress(`podman build ${ref}`);
  await sandbox.run([
    'podman',
    'build',
    '--network=none',
    '--layers=false',
    '-f',
    path.join(ctx, 'Containerfile'),
    '-t',
    ref,
    ctx,
  ]);
  progress(`  ${ref} built in ${formatDuration(Date.now() - started)}`);
}

/** A hard link where possible (the binaries are large), a copy across file systems. */
async function place(from: string, to: string): Promise<void> {
  await link(from, to).catch(async () => {
    await copyFile(from, to);
    await chmod(to, 0o755);
  });
}
