// Every benchmark suite, in the order `npm run bench` runs them. Add new
// suites (istiod push latency, CA signing rate, ztunnel end to end) here.

import type { Suite } from '../suite.js';
import { hboneDataPath } from './hbone/suite.js';
import { ztunnelEndToEnd } from './ztunnel.js';

export const suites: readonly Suite[] = [hboneDataPath, ztunnelEndToEnd];
