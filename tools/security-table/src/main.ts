// npm run test:security: runs every project's *.security.test.ts files (they are
// part of npm test too) with recording on, then prints one table, a row per attack.
import { parseAttackRows } from './attack-row.js';
import { SECURITY_TABLE_ENV } from './record.js';
import { renderAttackTable } from './render-table.js';
import { runTestFiles } from './run-test-files.js';

const { status, records: rows } = runTestFiles({
  filter: 'security.test',
  env: process.env,
  recordEnv: SECURITY_TABLE_ENV,
  parse: parseAttackRows,
});
console.log(`\nSecurity table: ${rows.length} attacks\n`);
console.log(renderAttackTable(rows));
if (status !== 0 || rows.length === 0) {
  console.error(rows.length === 0 ? 'no attack was recorded' : `tests failed (exit ${status})`);
  process.exit(1);
}
