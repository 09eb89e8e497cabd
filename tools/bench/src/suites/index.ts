// Every benchmark suite, in the order `npm run bench` runs them. Add new
// suites here.

import type { Suite } from '../suite.js';
import { hboneDataPath } from './hbone/suite.js';
import { istiodControlPlane } from './istiod.js';
import { waypointL7 } from './waypoint.js';
import { ztunnelEndToEnd } from './ztunnel.js';

export const suites: readonly Suite[] = [
  hboneDataPath,
  istiodControlPlane,
  ztunnelEndToEnd,
  waypointL7,
];
