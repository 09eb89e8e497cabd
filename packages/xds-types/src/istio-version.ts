// The upstream Istio release whose wire contracts, labels and outputs this
// mesh follows. Every component reports it as its Istio version (istiod's
// /version, the ISTIO_VERSION node metadata proxies announce), so
// `istioctl version` shows one version for the control and the data plane;
// ISTIO_VERSION in a component's environment overrides it.
export const ISTIO_COMPATIBILITY_VERSION = '1.30.0';
