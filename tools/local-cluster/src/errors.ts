// Typed errors whose messages say what to check.

export class LocalClusterError extends Error {
  override readonly name: string = 'LocalClusterError';
}

/** A Go build step failed; the message carries go's last lines and the log path. */
export class KubeBuildError extends LocalClusterError {
  override readonly name = 'KubeBuildError';
}

/** The host cannot run a local cluster (not Linux, not root, a tool missing). */
export class UnsupportedHostError extends LocalClusterError {
  override readonly name = 'UnsupportedHostError';
}

/** A cluster component did not start or did not become healthy in time. */
export class ComponentStartError extends LocalClusterError {
  override readonly name = 'ComponentStartError';
}

/** Something timed out while waiting for the cluster to converge. */
export class ClusterTimeoutError extends LocalClusterError {
  override readonly name = 'ClusterTimeoutError';
}
