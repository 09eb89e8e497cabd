export type { AttackRow } from './attack-row.js';
export { parseAttackRows } from './attack-row.js';
export { recordAttack, SECURITY_TABLE_ENV } from './record.js';
export { renderAttackTable } from './render-table.js';
