import { describe, expect, it } from 'vitest';
import { MASKED_UNITS, nodeImage, staticBinaryImage } from './containerfiles.js';
import { installedName } from './go-tools.js';
import { containerdConfig, entrypointScript, nodeFiles, SHIELDED_SYSCTLS } from './node-files.js';
import { mmdebstrapArgs, recipeHash } from './rootfs.js';

describe('kind node files', () => {
  it('tells kind the Kubernetes version and ends the entrypoint in systemd', () => {
    const files = nodeFiles({
      kubernetesVersion: 'v1.37.2',
      pauseImage: 'registry.k8s.io/pause:3.10.2',
    });
    expect(files.find((f) => f.path === 'kind/version')?.content).toBe('v1.37.2\n');
    expect(nodeImage('base')).toContain('ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]');
    expect(entrypointScript().trimEnd().split('\n').pop()).toBe('exec "$@"');
  });

  it('lays a private file over every host-global tunable kubelet writes', () => {
    const script = entrypointScript();
    for (const key of ['kernel/panic', 'kernel/panic_on_oops', 'vm/overcommit_memory'])
      expect(SHIELDED_SYSCTLS).toContain(key);
    expect(script).toContain('mount --bind "$file" "/proc/sys/$key"');
  });

  it('configures containerd 1.6 with the pause image, systemd cgroups and no negative oom_score_adj', () => {
    const conf = containerdConfig('registry.k8s.io/pause:3.10.2');
    expect(conf).toMatch(/^version = 2$/m);
    expect(conf).toContain('sandbox_image = "registry.k8s.io/pause:3.10.2"');
    expect(conf).toContain('restrict_oom_score_adj = true');
    expect(conf).toContain('SystemdCgroup = true');
    expect(conf).toContain('snapshotter = "overlayfs"');
  });

  it('masks the units a node container cannot run', () => {
    expect(nodeImage('b')).toContain(`systemctl mask ${MASKED_UNITS.join(' ')}`);
    expect(nodeImage('b')).toContain('systemctl enable containerd.service kubelet.service');
  });

  it('puts static binaries on PATH for kubeadm static pods', () => {
    const text = staticBinaryImage('kube-apiserver', undefined);
    expect(text).toContain('FROM scratch');
    expect(text).toContain('COPY kube-apiserver /usr/local/bin/kube-apiserver');
    expect(text).toMatch(/^ENV PATH=.*\/usr\/local\/bin/m);
  });
});

describe('go tools and root file systems', () => {
  it('names go-installed binaries as go install does', () => {
    expect(installedName('sigs.k8s.io/kind')).toBe('kind');
    expect(installedName('go.etcd.io/etcd/server/v3')).toBe('server');
    expect(installedName('sigs.k8s.io/cri-tools/cmd/crictl')).toBe('crictl');
  });

  it('keys a rootfs by its recipe and passes the suite, output and mirror last', () => {
    const r = { name: 'n', suite: 'bookworm', packages: ['a', 'b'] };
    expect(recipeHash(r)).not.toBe(recipeHash({ ...r, packages: ['a'] }));
    const args = mmdebstrapArgs(r, 'http://m/debian', '/o.tar');
    expect(args.slice(-3)).toEqual(['bookworm', '/o.tar', 'http://m/debian']);
    expect(args).toContain('--include=a,b');
  });
});

describe('kind node entrypoint on cgroup v1', () => {
  it('creates kubelet.slice in every v1 hierarchy, cpuset initialised from its parent', () => {
    const script = entrypointScript();
    expect(script).toContain('mkdir -p "$h/kubelet.slice"');
    expect(script).toContain('cat "$h/cpuset.mems" > "$h/kubelet.slice/cpuset.mems"');
  });

  it("prints the line kind waits for on cgroup v1 (kind's 30 s boot wait does not cover the preload)", () => {
    // kind matches /Reached target .*Multi-User System.*|detected cgroup v1/ in the node's log.
    expect(/Reached target .*Multi-User System.*|detected cgroup v1/.test(entrypointScript())).toBe(
      true,
    );
  });
});
