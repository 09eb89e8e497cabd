// @ambient-ts/istiod is an application (src/main.ts is its composition root).
// These exports are for the benchmarks and end-to-end tests that drive it in
// process; nothing else should import an app.
export { Istiod, type IstiodOptions, type StartedIstiod } from './istiod.js';
export { loadConfig, type IstiodConfig } from './config.js';
export { AmbientIndex, type IndexChange } from './ambient/ambient-index.js';
export { createIndexInputs, type IndexInputs } from './ambient/inputs.js';
export { DEFAULT_INDEX_CONFIG, type IndexConfig } from './ambient/index-config.js';
export { XdsCore } from './xds/xds-core.js';
export { IndexLoop } from './xds/index-loop.js';
export { CaServer } from './ca/ca-server.js';
