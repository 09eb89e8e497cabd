// The versions this cluster is built from. Changing one changes the cache key,
// so the next start rebuilds.
export const KUBERNETES_VERSION = 'v1.37.2';
/** The staging modules (k8s.io/api, client-go, …) are tagged v0.<minor>.<patch>. */
export const STAGING_VERSION = 'v0.37.2';
export const COREDNS_VERSION = 'v1.15.0';
