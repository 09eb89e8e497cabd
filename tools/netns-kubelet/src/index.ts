// Public API of @ambient-ts/netns-kubelet. The CLI (main.ts) is the usual entry; the pieces
// below let the local-cluster driver and tests reuse the image table and the pod runtime.
export * from './brands.js';
export * from './errors.js';
export { parseConfig, type KubeletConfig, type TlsConfig } from './config.js';
export {
  canonicalRepository,
  findImage,
  imageKey,
  parseImageTable,
  resolveImage,
  type ImageEntry,
  type ImageTable,
  type Placeholders,
  type ResolvedImage,
} from './image-table.js';
export { mapHostPath, HOST_PATH_PASSTHROUGH } from './host-path.js';
export {
  podDir,
  podDirName,
  parsePodDirName,
  type PodStateFile,
  type ContainerStateFile,
} from './pod-state-file.js';
export { kubeletArgs } from './kubelet-args.js';
