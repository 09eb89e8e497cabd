// @ambient-ts/e2e: cluster drivers and driver-agnostic scenarios.
export type { ClusterDriver, ExecResult, ExecTarget } from './drivers/cluster-driver.js';
export { KubeDriverBase } from './drivers/kube-driver-base.js';
export { LocalDriver, type LocalDriverOptions } from './drivers/local-driver.js';
export { KindDriver, kindUnavailableReason, kindConfig } from './drivers/kind-driver.js';
export {
  readProductPage,
  type ProductPage,
  type ReviewsVersion,
} from './scenarios/product-page.js';
