import { describe, expect, it } from 'vitest';
import { VolumeError } from './errors.js';
import { mountScript, shQuote, type PathKind } from './mount-script.js';
import type { MountSpec } from './volume-plan.js';

const existing: Record<string, PathKind> = {
  '/': 'dir',
  '/tmp': 'dir',
  '/etc': 'dir',
  '/etc/hosts': 'file',
  '/etc/resolv.conf': 'file',
  '/opt': 'dir',
  '/run': 'dir',
  '/var': 'dir',
  '/var/run': 'dir',
  '/s/vol/tmp': 'dir',
  '/s/vol/token': 'dir',
  '/s/hosts': 'file',
  '/s/vol/cfg/a.conf': 'file',
  '/mnt': 'dir',
  '/tmp/state/vol/tmp': 'dir',
  '/tmp/state/hosts': 'file',
};
const kind = (p: string): PathKind => existing[p] ?? 'missing';
const m = (
  source: string,
  target: string,
  readOnly = false,
  extra: Partial<MountSpec> = {},
): MountSpec => ({
  source,
  target,
  readOnly,
  volume: 'v',
  ...extra,
});
const script = (mounts: MountSpec[], workingDir?: string): string =>
  mountScript({
    hostname: 'reviews-v1-abc',
    mounts,
    pathKind: kind,
    scratchDir: '/s/scratch',
    ...(workingDir ? { workingDir } : {}),
  });

describe('mountScript', () => {
  it('sets the hostname, binds existing targets directly and execs the program last', () => {
    const s = script([m('/s/hosts', '/etc/hosts'), m('/s/vol/tmp', '/tmp')]);
    expect(s).toContain("printf %s 'reviews-v1-abc' > /proc/sys/kernel/hostname");
    expect(s).toContain("mount -n --rbind '/s/hosts' '/etc/hosts'");
    expect(s).toContain("mount -n --rbind '/s/vol/tmp' '/tmp'");
    expect(s).not.toContain("__nk_shadow '");
    expect(s).not.toContain('pivot_root');
    expect(s.trimEnd().endsWith('exec "$@"')).toBe(true);
    // The container's PATH is restored before exec.
    expect(s.indexOf('PATH=$__nk_path')).toBeLessThan(s.indexOf('exec "$@"'));
    // fd 3 closes (setup done) right before the program runs
    expect(s).toContain('printf ok >&3\nexec 3>&-\nexec "$@"');
  });

  it('shadows the deepest existing ancestor once for missing mount points, never the node filesystem', () => {
    const s = script([
      m('/s/vol/token', '/var/run/secrets/kubernetes.io/serviceaccount', true),
      m('/s/vol/tmp', '/var/run/secrets/other'),
      m('/s/vol/tmp', '/opt/ibm/wlp/output'),
    ]);
    expect(s.match(/__nk_shadow '\/var\/run'/g)).toHaveLength(1);
    expect(s).toContain("__nk_shadow '/opt' '/s/scratch/shadow-1'");
    expect(s).toContain("mkdir -p '/var/run/secrets/kubernetes.io/serviceaccount'");
    expect(s).toContain("mkdir -p '/opt/ibm/wlp/output'");
    // mkdir only after the shadow exists
    expect(s.indexOf("__nk_shadow '/opt'")).toBeLessThan(
      s.indexOf("mkdir -p '/opt/ibm/wlp/output'"),
    );
  });

  it('creates mount points inside an earlier volume without shadowing', () => {
    const s = script([m('/s/vol/tmp', '/tmp/deep/er'), m('/s/vol/tmp', '/tmp')]);
    // parent first, whatever the manifest order
    expect(s.indexOf("--rbind '/s/vol/tmp' '/tmp'\n")).toBeLessThan(s.indexOf("'/tmp/deep/er'"));
    expect(s).toContain("mkdir -p '/tmp/deep/er'");
    expect(s).not.toContain("__nk_shadow '");
  });

  it('creates a file mount point for a file source (subPath of a file)', () => {
    const s = script([m('/s/vol/cfg/a.conf', '/etc/app/a.conf', true, { subPath: 'a.conf' })]);
    expect(s).toContain("__nk_shadow '/etc'");
    expect(s).toContain("mkdir -p '/etc/app'; [ -e '/etc/app/a.conf' ] || : > '/etc/app/a.conf'");
  });

  it('remounts read-only mounts after all binds', () => {
    const s = script([m('/s/vol/token', '/opt/t', true), m('/s/vol/tmp', '/opt/t/inner')]);
    const ro = s.indexOf("mount -n -o remount,bind,ro '/opt/t'");
    expect(ro).toBeGreaterThan(s.indexOf("--bind '/s/vol/tmp' '/opt/t/inner'"));
    expect(s).not.toContain("remount,bind,ro '/opt/t/inner'");
  });

  it('changes into the working directory, creating it privately when missing', () => {
    const s = script([], '/opt/app');
    expect(s).toContain("__nk_shadow '/opt'");
    expect(s).toContain("cd '/opt/app'");
  });

  it('keeps the node root (no pivot) when every top-level directory exists', () => {
    const s = script(
      [
        m('/s/vol/token', '/var/run/secrets/kubernetes.io/serviceaccount'),
        m('/s/hosts', '/etc/hosts'),
      ],
      '/opt/app',
    );
    expect(s).not.toContain('pivot_root');
    expect(s).not.toContain('__nk_rebind /');
    expect(s).not.toContain('.nk-oldroot');
  });

  it('refuses a mount point under a node file', () => {
    expect(() => script([m('/s/vol/tmp', '/etc/hosts/x')])).toThrow(VolumeError);
    expect(() => script([m('/s/vol/tmp', '/etc/hosts/x')])).toThrow(
      '/etc/hosts is not a directory',
    );
  });

  describe('with a missing top-level directory (istio-cni hostPaths under /host)', () => {
    const s = script(
      [
        m('/s/hosts', '/etc/hosts'),
        m('/proc', '/host/proc'),
        m('/s/vol/tmp', '/host/etc/cni/net.d'),
        m('/s/vol/token', '/var/run/secrets/kubernetes.io/serviceaccount', true),
        m('/s/vol/cfg/a.conf', '/host/etc/app.conf', true, { subPath: 'a.conf' }),
      ],
      '/host/etc/cni/net.d',
    );
    const at = (needle: string): number => {
      const i = s.indexOf(needle);
      expect(i, needle).toBeGreaterThan(-1);
      return i;
    };
    const pivot = (): number => at("cd '/s/scratch/root'; pivot_root . '.nk-oldroot'; cd /");

    it('builds a private root in the scratch dir from the node root and pivots into it', () => {
      expect(s).toContain("mount -n -t tmpfs -o mode=0700 tmpfs '/s/scratch'");
      expect(s).toContain(
        `mkdir '/s/scratch/root'; mount -n -t tmpfs -o "mode=$(stat -c %a /)" tmpfs '/s/scratch/root'`,
      );
      // the re-bound copy of the stage (and of the new root in it) is detached
      expect(s).toContain(
        "if mountpoint -q '/s/scratch/root/s/scratch'; then umount -n -l '/s/scratch/root/s/scratch'; fi",
      );
      expect(at("__nk_rebind / '/s/scratch/root'")).toBeLessThan(at('if mountpoint -q'));
      expect(at('if mountpoint -q')).toBeLessThan(at("mkdir '/s/scratch/root/.nk-oldroot'"));
      expect(at("mkdir '/s/scratch/root/.nk-oldroot'")).toBeLessThan(pivot());
      // the hostname goes through the node's /proc, before anything else
      expect(at('/proc/sys/kernel/hostname')).toBeLessThan(at('mount -n -t tmpfs -o mode=0700'));
    });

    it('stages every source before the pivot and binds it through the old root after', () => {
      const staged = at("mount -n --rbind '/proc' '/s/scratch/src-1'");
      expect(staged).toBeLessThan(pivot());
      expect(at("mount -n --rbind '/s/hosts' '/s/scratch/src-0'")).toBeLessThan(pivot());
      expect(at("mount -n --rbind '/.nk-oldroot/s/scratch/src-1' '/host/proc'")).toBeGreaterThan(
        pivot(),
      );
      expect(s).toContain("mount -n --rbind '/.nk-oldroot/s/scratch/src-0' '/etc/hosts'");
      // a file source gets a file mount point
      expect(s).toContain(": > '/s/scratch/src-4'");
      expect(s).toContain(
        "mkdir -p '/host/etc'; [ -e '/host/etc/app.conf' ] || : > '/host/etc/app.conf'",
      );
    });

    it('creates the missing top-level directories in the new root, never shadowing /', () => {
      expect(s).not.toContain("__nk_shadow '/'");
      expect(at("mkdir -p '/host/proc'")).toBeGreaterThan(pivot());
      expect(at("mkdir -p '/host/etc/cni/net.d'")).toBeGreaterThan(pivot());
      // an existing ancestor is still shadowed, after the pivot, staging in the old root
      expect(at("__nk_shadow '/var/run' '/.nk-oldroot/s/scratch/shadow-0'")).toBeGreaterThan(
        pivot(),
      );
    });

    it('remounts read-only, detaches the old root, then changes directory and execs', () => {
      const detach = at("umount -n -l '/.nk-oldroot'; rmdir '/.nk-oldroot'");
      expect(at("remount,bind,ro '/host/etc/app.conf'")).toBeLessThan(detach);
      expect(at("remount,bind,ro '/var/run/secrets/kubernetes.io/serviceaccount'")).toBeLessThan(
        detach,
      );
      expect(detach).toBeLessThan(at("cd '/host/etc/cni/net.d'"));
      expect(at("cd '/host/etc/cni/net.d'")).toBeLessThan(at('printf ok >&3'));
      expect(s).not.toContain("umount -n -l '/s/scratch'");
      expect(s.trimEnd().endsWith('exec "$@"')).toBe(true);
    });
  });

  it('gets a private root for a working directory whose top-level directory is missing', () => {
    const s = script([], '/app/bin');
    expect(s).toContain('pivot_root');
    expect(s.indexOf("mkdir -p '/app/bin'")).toBeGreaterThan(s.indexOf('pivot_root'));
    expect(s).toContain("cd '/app/bin'");
  });

  it('binds a preserved checkout back under a private root, staged before the pivot', () => {
    const s = mountScript({
      hostname: 'h',
      mounts: [m('/s/vol/tmp', '/tmp'), m('/proc', '/host/proc')],
      pathKind: (p) => (p === '/tmp/ci-repo' ? 'dir' : kind(p)),
      scratchDir: '/s/scratch',
      preserve: ['/tmp/ci-repo'],
    });
    const pivot = s.indexOf('pivot_root');
    expect(s.indexOf("mount -n --rbind '/tmp/ci-repo' '/s/scratch/keep-0'")).toBeLessThan(pivot);
    const volume = s.indexOf("mount -n --rbind '/.nk-oldroot/s/scratch/src-0' '/tmp'");
    expect(volume).toBeGreaterThan(pivot);
    expect(
      s.indexOf("mount -n --rbind '/.nk-oldroot/s/scratch/keep-0' '/tmp/ci-repo'"),
    ).toBeGreaterThan(volume);
  });

  it('stages sources that a target would hide (state dir under /tmp, emptyDir at /tmp)', () => {
    const s = mountScript({
      hostname: 'h',
      mounts: [m('/tmp/state/hosts', '/etc/hosts'), m('/tmp/state/vol/tmp', '/tmp')],
      pathKind: kind,
      scratchDir: '/tmp/state/scratch',
    });
    // the scratch dir is under the /tmp target, so the stage goes to a spare directory
    expect(s).toContain("mount -n -t tmpfs -o mode=0700 tmpfs '/mnt'");
    expect(s).toContain("mount -n --rbind '/tmp/state/hosts' '/mnt/src-1'");
    expect(s).toContain("mount -n --rbind '/tmp/state/vol/tmp' '/mnt/src-0'");
    expect(s).toContain("mount -n --rbind '/mnt/src-1' '/etc/hosts'");
    // staging happens before /tmp is covered, and the stage is gone before exec
    expect(s.indexOf("'/mnt/src-1'\n")).toBeLessThan(s.indexOf("'/mnt/src-0' '/tmp'"));
    expect(s.indexOf("umount -n -l '/mnt'")).toBeLessThan(s.indexOf('exec "$@"'));
    expect(s.indexOf("umount -n -l '/mnt'")).toBeGreaterThan(s.indexOf("'/etc/hosts'"));
  });

  it('stages in the per-run scratch dir when no target covers it, and binds uncovered sources directly', () => {
    const s = script([m('/s/hosts', '/etc/hosts')]);
    expect(s).toContain("mount -n -t tmpfs -o mode=0700 tmpfs '/s/scratch'");
    expect(s).toContain("mount -n --rbind '/s/hosts' '/etc/hosts'");
    expect(s).not.toContain('src-0');
  });

  it('binds a preserved checkout back over an emptyDir at /tmp that would hide it, and leaves uncovered ones alone', () => {
    const s = mountScript({
      hostname: 'productpage-v1-abc',
      mounts: [m('/s/vol/tmp', '/tmp')],
      pathKind: (p) => (p === '/tmp/ci-repo' || p === '/opt/kube' ? 'dir' : kind(p)),
      scratchDir: '/s/scratch',
      preserve: ['/tmp/ci-repo', '/opt/kube'],
    });
    const stageIt = s.indexOf("mount -n --rbind '/tmp/ci-repo' '/s/scratch/keep-0'");
    const volume = s.indexOf("mount -n --rbind '/s/vol/tmp' '/tmp'");
    const back = s.indexOf("mount -n --rbind '/s/scratch/keep-0' '/tmp/ci-repo'");
    expect(stageIt).toBeGreaterThan(-1);
    expect(volume).toBeGreaterThan(stageIt);
    expect(back).toBeGreaterThan(volume);
    expect(s).not.toContain("'/opt/kube'");
  });

  it('quotes for sh', () => {
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
  });
});
