// @ambient-ts/container-sandbox: podman, buildah, skopeo and kind inside a
// private unshare sandbox with a private container store.
export {
  ContainerSandbox,
  sandboxed,
  containersRoot,
  leftoverEngineCgroups,
  liveSandboxPids,
  DEFAULT_STORE,
  type SandboxOptions,
  type SandboxHandle,
  type Progress,
} from './sandbox.js';
export type { RunOptions, RunResult } from './run.js';
export type { TcpForward } from './tcp-forward.js';
export {
  ContainerSandboxError,
  SandboxStartError,
  SandboxCommandError,
  SandboxUnsupportedError,
} from './errors.js';
