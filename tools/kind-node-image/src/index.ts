// @ambient-ts/kind-node-image: kind's node image and the Go tools around it,
// made offline on this machine (ARCHITECTURE.md §4, tier 4).
export { ensureKindNodeImage, NODE_IMAGE_REPOSITORY, type KindNodeImage } from './node-image.js';
export {
  ensureGoTool,
  goToolPath,
  KIND_TOOL,
  CRICTL_TOOL,
  ETCD_TOOL,
  PAUSE_TOOL,
  type GoTool,
} from './go-tools.js';
export {
  ensureRootfs,
  mmdebstrapArgs,
  MMDEBSTRAP_DPKG_OPTIONS,
  type RootfsRecipe,
} from './rootfs.js';
export { nodeFiles, SHIELDED_SYSCTLS, PRELOAD_DIR, type NodeFile } from './node-files.js';
export {
  KIND_VERSION,
  CRICTL_VERSION,
  ETCD_VERSION,
  NODE_SUITE,
  CONTROL_PLANE_IMAGES,
} from './versions.js';
export { readKindImageEnv, type KindImageEnv } from './config.js';
export { KindImageError } from './errors.js';
