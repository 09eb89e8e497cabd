// The pieces a new benchmark suite needs: the Suite shape, the shared
// report/table printer and the statistics helpers.
export type { Suite, SuiteContext } from './suite.js';
export {
  formatRatio,
  formatTable,
  formatValue,
  renderReport,
  type Measurement,
  type SuiteReport,
  type Unit,
  type Variant,
} from './report.js';
export { gbitPerSecond, median, quantile } from './stats.js';
