// npm run test:security: runs every project's *.security.test.ts files (they are
// part of npm test too) with recording on, then prints one table, a row per attack.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseAttackRows } from './attack-row.js';
import { SECURITY_TABLE_ENV } from './record.js';
import { renderAttackTable } from './render-table.js';

const dir = mkdtempSync(path.join(tmpdir(), 'security-table-'));
const file = path.join(dir, 'rows.jsonl');
const run = spawnSync(
  'npx',
  [
    'nx',
    'run-many',
    '-t',
    'test',
    '--outputStyle=stream',
    '--skip-nx-cache',
    '--exclude=@ambient-ts/local-cluster,@ambient-ts/e2e',
    '--',
    'security.test',
    '--passWithNoTests',
  ],
  { stdio: 'inherit', env: { ...process.env, [SECURITY_TABLE_ENV]: file } },
);
const rows = existsSync(file) ? parseAttackRows(readFileSync(file, 'utf8')) : [];
rmSync(dir, { recursive: true, force: true });
console.log(`\nSecurity table: ${rows.length} attacks\n`);
console.log(renderAttackTable(rows));
if (run.status !== 0 || rows.length === 0) {
  console.error(rows.length === 0 ? 'no attack was recorded' : `tests failed (exit ${run.status})`);
  process.exit(1);
}
