// The configuration podman, buildah and skopeo read inside the sandbox (through
// CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF). Every
// path an engine writes is either the private storage root (kept between runs:
// the image cache) or the sandbox's own tmpfs /run (gone with the sandbox), never
// /var/lib/containers, /etc/containers/networks or the host's /run.

/** Where the sandbox keeps per-run engine state: inside its private tmpfs /run. */
export const SANDBOX_RUN_DIR = '/run/ambient-ts-sandbox';

export interface EngineLayout {
  /** containers/storage graph root (images, layers, containers, volumes). */
  readonly graphRoot: string;
  /** Large temporary files of image copies (podman load/save), under the storage root. */
  readonly copyTmpDir: string;
}

/**
 * Why each setting: this machine's root lacks CAP_SYS_RESOURCE, so the default
 * nofile 1048576 is refused — nofile 20000 / nproc 32768 are within its limits;
 * crun refuses the cgroup v1 hybrid hierarchy, runc runs; there is no systemd to
 * manage cgroups, so cgroupfs; events go to a file in the private /run.
 */
export function containersConf(layout: EngineLayout): string {
  return [
    '[containers]',
    'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
    'log_driver = "k8s-file"',
    '',
    '[network]',
    'network_backend = "netavark"',
    `network_config_dir = "${SANDBOX_RUN_DIR}/networks"`,
    '',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${SANDBOX_RUN_DIR}/events.log"`,
    'tmp_dir = "/run/libpod"',
    `image_copy_tmp_dir = "${layout.copyTmpDir}"`,
    'no_pivot_root = false',
    '',
  ].join('\n');
}

export function storageConf(layout: EngineLayout): string {
  return [
    '[storage]',
    'driver = "overlay"',
    `graphroot = "${layout.graphRoot}"`,
    'runroot = "/run/containers/storage"',
    '',
  ].join('\n');
}

/** No registry is reachable: never search one for a short name. */
export function registriesConf(): string {
  return ['unqualified-search-registries = []', 'short-name-mode = "permissive"', ''].join('\n');
}
