export type { AttackRow } from './attack-row.js';
export { parseAttackRows } from './attack-row.js';
export { recordAttack, SECURITY_TABLE_ENV } from './record.js';
export { renderAttackTable } from './render-table.js';
export { fuzz, fuzzTimeoutMs, type FuzzOptions, type FuzzReportLine } from './fuzz-budget.js';
export { FUZZ_REPORT_ENV, FUZZ_RUNS_ENV, FUZZ_SECONDS_ENV, FUZZ_SEED_ENV } from './fuzz-config.js';
export { isProtobufDecodeError } from './protobuf-decode-error.js';
