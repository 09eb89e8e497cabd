// @ambient-ts/local-cluster: a real Kubernetes cluster on one machine without
// Docker, inside one private unshare sandbox.
export { KUBERNETES_VERSION, STAGING_VERSION, COREDNS_VERSION } from './versions.js';
export {
  ensureKubeBinaries,
  binariesDir,
  KUBE_COMMANDS,
  KIND_KUBE_COMMANDS,
  LOCAL_CLUSTER_BINARIES,
  KIND_NODE_BINARIES,
  COREDNS_BINARY,
  type KubeCommand,
  type KubeBinaries,
  type BinaryName,
} from './build/build-binaries.js';
export {
  createCluster,
  openCluster,
  destroyCluster,
  clusterStateDir,
  LocalCluster,
  ClusterExistsError,
  ClusterStartError,
  DEFAULT_CLUSTER_NAME,
  DEFAULT_NODE_COUNT,
  type CreateClusterOptions,
  type ClusterTimings,
} from './cluster.js';
export { localClusterUnsupportedReason, assertHostSupported } from './host-check.js';
export { CLUSTER_NETWORK, type NodePlan } from './network/plan.js';
export { type ExecOptions, type ExecResult, PodNotRunningError } from './exec.js';
export { applyObjects, errorText, FIELD_MANAGER, type ApplyOptions } from './kube/apply.js';
export { parseManifests, describeObject, ManifestError } from './kube/manifests.js';
export {
  isNodeReady,
  isPodReady,
  isDeploymentAvailable,
  isDaemonSetReady,
  describeUnreadyPods,
} from './kube/readiness.js';
export { pollUntil, type PollResult } from './wait.js';
export {
  consoleProgress,
  silentProgress,
  formatDuration,
  step,
  type Progress,
} from './progress.js';
export {
  LocalClusterError,
  KubeBuildError,
  UnsupportedHostError,
  ComponentStartError,
  ClusterTimeoutError,
} from './errors.js';
export {
  snapshotHostNetwork,
  diffSnapshots,
  hostNetworkDiff,
  normaliseIptablesSave,
  type HostNetworkSnapshot,
} from './host-snapshot.js';
