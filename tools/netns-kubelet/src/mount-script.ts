// The shell script that sets up a container's private mount namespace and then execs its
// program. It runs as `unshare --mount --uts --propagation slave -- sh -c <script> sh argv…`
// (inside the pod's netns), so every mount it makes is private to the container, while node
// mounts made later (new pod netns files) still propagate in.
//
// Mount points that do not exist on the node are not created on the node's filesystem: the
// deepest existing ancestor is "shadowed" by a tmpfs that re-binds all its original entries,
// and the missing directories are made inside that tmpfs. Nothing leaks outside the container.
//
// `/` cannot be shadowed that way (a tmpfs over it would hide the shell's own binaries), so when
// a mount point's top-level directory is missing on the node (istio-cni's `/host/proc`,
// `/host/opt/cni/bin`), the container gets a private root instead: a tmpfs that re-binds every
// entry of the node's `/`, gets the missing top-level directories, and is switched to with
// pivot_root before any volume is mounted. Mounting after the switch keeps absolute symlinks
// (`/var/run` → `/run`) resolving inside the new root, as they will for the program. Sources are
// staged before the switch, so they still resolve against the node's root, and are reached
// through the old root, which is detached before exec.
import path from 'node:path';
import { VolumeError } from './errors.js';
import type { MountSpec } from './volume-plan.js';

export type PathKind = 'dir' | 'file' | 'missing';

export interface MountScriptInputs {
  readonly hostname: string;
  readonly mounts: readonly MountSpec[];
  readonly workingDir?: string;
  /** How the path looks from the node (following symlinks). */
  readonly pathKind: (p: string) => PathKind;
  /**
   * A per-run directory on the node for the staging tmpfs (mount sources, shadowed directories)
   * when no mount target covers it; otherwise a spare system directory is used.
   */
  readonly scratchDir: string;
  /**
   * Node directories that must stay visible at their own path even when a mount target covers
   * a parent of theirs (the program files of our local "images"). They are bound back on top
   * of the covering volume, which gets the (empty) mount point directories.
   */
  readonly preserve?: readonly string[];
}

/** Single-quotes a string for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const PRELUDE = `set -eu
__nk_path=$PATH
PATH=/usr/sbin:/usr/bin:/sbin:/bin
__nk_rebind() {
  __nk_f=$1; __nk_t=$2
  for __nk_e in "$__nk_f"/* "$__nk_f"/.[!.]* "$__nk_f"/..?*; do
    [ -e "$__nk_e" ] || [ -L "$__nk_e" ] || continue
    __nk_n=\${__nk_e##*/}
    if [ -L "$__nk_e" ]; then ln -s "$(readlink "$__nk_e")" "$__nk_t/$__nk_n"
    elif [ -d "$__nk_e" ]; then mkdir -p "$__nk_t/$__nk_n"; mount -n --rbind "$__nk_e" "$__nk_t/$__nk_n"
    else [ -e "$__nk_t/$__nk_n" ] || : > "$__nk_t/$__nk_n"; mount -n --bind "$__nk_e" "$__nk_t/$__nk_n"; fi
  done
}
__nk_shadow() {
  __nk_d=$1; __nk_s=$2
  mkdir -p "$__nk_s"; mount -n --rbind "$__nk_d" "$__nk_s"
  mount -n -t tmpfs -o "mode=$(stat -c %a "$__nk_s")" tmpfs "$__nk_d"
  __nk_rebind "$__nk_s" "$__nk_d"
  umount -n -l "$__nk_s"
}`;

const under = (p: string, dir: string): boolean =>
  p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

/**
 * Places for the staging tmpfs, in order of preference. Mounted over only inside the
 * container's mount namespace and unmounted before exec, so their content is hidden from the
 * container only while it is being set up.
 */
const STAGE_CANDIDATES = ['/mnt', '/media', '/srv', '/var/tmp', '/opt', '/home', '/var', '/run'];

/**
 * Where sources are staged: a directory that is no target, not under a target (it would be
 * hidden by it) and holds no target or source (the tmpfs would hide them).
 */
function pickStage(inp: MountScriptInputs, mounts: readonly MountSpec[]): string {
  const paths = [
    ...mounts.flatMap((m) => [m.target, m.source]),
    ...(inp.workingDir ? [inp.workingDir] : []),
  ];
  const fits = (c: string): boolean =>
    !mounts.some((m) => under(c, m.target)) && !paths.some((p) => under(p, c));
  if (fits(inp.scratchDir)) return inp.scratchDir;
  const found = STAGE_CANDIDATES.find((c) => inp.pathKind(c) === 'dir' && fits(c));
  if (!found)
    throw new VolumeError(
      mounts[0]?.volume ?? 'mounts',
      `no directory to stage mount sources in: every candidate (${STAGE_CANDIDATES.join(', ')}) is a mount target or holds one`,
    );
  return found;
}

/** Where the node's root stays reachable after the switch to a private root, until exec. */
const OLD_ROOT = '/.nk-oldroot';

/** The top-level directory of an absolute path (`/host` for `/host/proc`). */
const topLevel = (p: string): string | undefined => {
  const first = p.split('/').find(Boolean);
  return first === undefined ? undefined : `/${first}`;
};

export function mountScript(inp: MountScriptInputs): string {
  const out: string[] = [PRELUDE];
  out.push(`printf %s ${shQuote(inp.hostname)} > /proc/sys/kernel/hostname`);
  // Parents before children, as runtimes order mounts (stable for equal depth).
  const depth = (p: string): number => p.split('/').filter(Boolean).length;
  const mounts = inp.mounts
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m.target) - depth(b.m.target) || a.i - b.i)
    .map((x) => x.m);
  const workingDir = inp.workingDir ? path.posix.normalize(inp.workingDir) : undefined;

  // A private root only when some path needs a top-level directory the node lacks: everything
  // else keeps the node's root (fewer mounts, and what the container sees stays the node's).
  const newRoot = [...mounts.map((m) => m.target), ...(workingDir ? [workingDir] : [])].some(
    (p) => {
      const top = topLevel(p);
      return top !== undefined && inp.pathKind(top) === 'missing';
    },
  );

  // A source under some target (the pod's state dir under /tmp, and an emptyDir mounted at
  // /tmp) would vanish once that target is mounted; such sources are first bound into a
  // private staging tmpfs, which is unmounted again before exec. Under a private root every
  // source is staged: the stage is bound while the node's root is still `/`, so symlinks in
  // source paths resolve on the node. Targets then live in the new root, so no target can
  // hide the stage and the per-run scratch dir always fits.
  const stage = newRoot ? inp.scratchDir : pickStage(inp, mounts);
  /** The stage as seen once the root is switched (through the old root). */
  const stageAfter = newRoot ? path.posix.join(OLD_ROOT, stage) : stage;
  out.push(`mkdir -p ${shQuote(stage)}`, `mount -n -t tmpfs -o mode=0700 tmpfs ${shQuote(stage)}`);
  const sources = mounts.map((m, i) => {
    const src = shQuote(m.source);
    if (m.subPath !== undefined) out.push(`[ -e ${src} ] || mkdir -p ${src}`);
    if (!newRoot && !mounts.some((t) => under(m.source, t.target))) return src;
    const staged = shQuote(path.posix.join(stage, `src-${i}`));
    out.push(
      `if [ -d ${src} ]; then mkdir ${staged}; else : > ${staged}; fi; mount -n --rbind ${src} ${staged}`,
    );
    return shQuote(path.posix.join(stageAfter, `src-${i}`));
  });

  // Preserved directories hidden by a target are staged the same way and bound back below.
  const hidden = (inp.preserve ?? []).filter(
    (p) => inp.pathKind(p) === 'dir' && mounts.some((t) => under(p, t.target)),
  );
  const keep = hidden.map((p, i) => {
    const staged = shQuote(path.posix.join(stage, `keep-${i}`));
    out.push(`mkdir ${staged}; mount -n --rbind ${shQuote(p)} ${staged}`);
    return shQuote(path.posix.join(stageAfter, `keep-${i}`));
  });

  if (newRoot) {
    // The new root is a tmpfs inside the stage; pivot_root moves it to `/`, so it outlives the
    // stage, which goes with the old root. Re-binding `/dev`, `/proc`, `/sys`, `/run`… (all
    // recursively, so the pod netns files and later node mounts still propagate in) keeps
    // them usable. The re-bound entry that holds the stage brings a copy of the stage (and of
    // the new root itself) along: that copy is detached, leaving the node's directory there.
    const root = path.posix.join(stage, 'root');
    const copy = shQuote(path.posix.join(root, stage));
    out.push(
      `mkdir ${shQuote(root)}; mount -n -t tmpfs -o "mode=$(stat -c %a /)" tmpfs ${shQuote(root)}`,
      `__nk_rebind / ${shQuote(root)}`,
      `if mountpoint -q ${copy}; then umount -n -l ${copy}; fi`,
      `mkdir ${shQuote(path.posix.join(root, OLD_ROOT))}`,
      `cd ${shQuote(root)}; pivot_root . ${shQuote(OLD_ROOT.slice(1))}; cd /`,
    );
  }

  /** Directories whose contents live only in this mount namespace (volumes, shadows). */
  const ours: string[] = [];
  let shadows = 0;

  const ensure = (target: string, asFile: boolean, volume: string): void => {
    const isOurs = ours.some((d) => under(target, d) && target !== d);
    if (!isOurs && inp.pathKind(target) !== 'missing') return;
    if (!isOurs) {
      let anc = path.posix.dirname(target);
      while (anc !== '/' && inp.pathKind(anc) === 'missing') anc = path.posix.dirname(anc);
      if (anc === '/' && newRoot) {
        // Made in the private root's own tmpfs: its contents are ours from now on.
        ours.push(topLevel(target) ?? target);
      } else if (!ours.some((d) => under(anc, d))) {
        // (anc is never `/` here: a missing top-level directory made newRoot true.)
        if (inp.pathKind(anc) !== 'dir')
          throw new VolumeError(
            volume,
            `cannot create mount point ${target}: ${anc} is not a directory`,
          );
        out.push(
          `__nk_shadow ${shQuote(anc)} ${shQuote(path.posix.join(stageAfter, `shadow-${shadows++}`))}`,
        );
        ours.push(anc);
      }
    }
    if (asFile)
      out.push(
        `mkdir -p ${shQuote(path.posix.dirname(target))}; [ -e ${shQuote(target)} ] || : > ${shQuote(target)}`,
      );
    else out.push(`mkdir -p ${shQuote(target)}`);
  };

  mounts.forEach((m, i) => {
    const asFile = inp.pathKind(m.source) === 'file';
    ensure(m.target, asFile, m.volume);
    out.push(`mount -n --rbind ${sources[i] ?? shQuote(m.source)} ${shQuote(m.target)}`);
    ours.push(m.target);
  });
  hidden.forEach((p, i) => {
    out.push(`mkdir -p ${shQuote(p)}; mount -n --rbind ${keep[i] ?? ''} ${shQuote(p)}`);
  });
  // Read-only last, so mount points inside a read-only volume could still be created.
  for (const m of mounts)
    if (m.readOnly) out.push(`mount -n -o remount,bind,ro ${shQuote(m.target)}`);
  if (workingDir) ensure(workingDir, false, 'workingDir');
  // Detaching the old root takes the stage with it; its (then empty) mount point goes too.
  if (newRoot) out.push(`umount -n -l ${shQuote(OLD_ROOT)}; rmdir ${shQuote(OLD_ROOT)}`);
  else out.push(`umount -n -l ${shQuote(stage)}`);
  if (inp.workingDir) out.push(`cd ${shQuote(inp.workingDir)}`);
  // "ok" on fd 3, then closing it, tells the launcher the container is set up (container-launcher.ts).
  out.push(
    'PATH=$__nk_path',
    'export PATH',
    'unset __nk_path __nk_d __nk_s __nk_e __nk_n __nk_f __nk_t',
    'printf ok >&3',
    'exec 3>&-',
    'exec "$@"',
  );
  return `${out.join('\n')}\n`;
}

export interface WrapperTools {
  readonly nsenter: string;
  readonly unshare: string;
  readonly sh: string;
}

/**
 * The argv that starts a container: enter the pod netns (none for hostNetwork pods, which
 * stay in the node's), unshare mount + UTS namespaces (mounts slave to the node's), run the
 * mount script, exec the program. nsenter and unshare exec rather than fork, so the spawned
 * pid is the container's main process.
 */
export function containerCommand(
  tools: WrapperTools,
  netns: string | undefined,
  script: string,
  argv: readonly string[],
): string[] {
  return [
    ...(netns ? [tools.nsenter, `--net=${netns}`, '--'] : []),
    tools.unshare,
    '--mount',
    '--uts',
    '--propagation',
    'slave',
    '--',
    tools.sh,
    '-c',
    script,
    'sh',
    ...argv,
  ];
}
