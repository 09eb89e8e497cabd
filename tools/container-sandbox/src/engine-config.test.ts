import { describe, expect, it } from 'vitest';
import { containersConf, registriesConf, SANDBOX_RUN_DIR, storageConf } from './engine-config.js';

const layout = { graphRoot: '/c/storage', copyTmpDir: '/c/tmp' };

describe('engine config', () => {
  it('sets ulimits root can grant without CAP_SYS_RESOURCE, runc and cgroupfs', () => {
    const conf = containersConf(layout);
    expect(conf).toContain('default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]');
    expect(conf).toContain('runtime = "runc"');
    expect(conf).toContain('cgroup_manager = "cgroupfs"');
  });

  it('keeps network configs and events in the private /run, big temp files in the store', () => {
    const conf = containersConf(layout);
    expect(conf).toContain(`network_config_dir = "${SANDBOX_RUN_DIR}/networks"`);
    expect(conf).toContain('image_copy_tmp_dir = "/c/tmp"');
    expect(conf).not.toContain('/etc/containers');
  });

  it('stores images in the private graph root and state in the private /run', () => {
    expect(storageConf(layout)).toContain('graphroot = "/c/storage"');
    expect(storageConf(layout)).toContain('runroot = "/run/containers/storage"');
  });

  it('never searches a registry for a short name', () => {
    expect(registriesConf()).toContain('unqualified-search-registries = []');
  });
});
