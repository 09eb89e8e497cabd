// istioctl as a library: e2e scenarios run the same commands users type.

export { runIstioctl, systemClock, httpKubeClientFactory, type IstioctlDeps } from './istioctl.js';
export { readEnvironment, type CliEnvironment } from './config.js';
export { captureOutput, type CapturedOutput, type Output } from './cli/output.js';
export { clientBuildInfo, CLI_VERSION, type BuildInfo } from './version/build-info.js';
export type { Clock, KubeClientFactory, KubeSettings } from './context.js';
export {
  tabwrite,
  tabRows,
  WAYPOINT_TABLE,
  ZTUNNEL_CONFIG_TABLE,
  type TabwriterOptions,
} from './text/tabwriter.js';
