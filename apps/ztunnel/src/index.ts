// @ambient-ts/ztunnel is an application (src/main.ts); this entry exposes the
// composition for in-process integration tests and benchmarks.
export { Ztunnel, ZTUNNEL_VERSION, type ZtunnelDeps, type ZtunnelAddresses } from './ztunnel.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { LogManager } from './telemetry/logging.js';
