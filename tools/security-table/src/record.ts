import { appendFileSync } from 'node:fs';
import type { AttackRow } from './attack-row.js';

/**
 * The file `npm run test:security` collects rows in. Unset in a plain `npm test`,
 * where recording is a no-op and the assertions alone decide.
 */
export const SECURITY_TABLE_ENV = 'AMBIENT_SECURITY_TABLE';

/** Records one attack; call it after the test observed the outcome. */
export function recordAttack(row: AttackRow): void {
  const file = process.env[SECURITY_TABLE_ENV];
  if (!file) return;
  // One appended line per row: vitest runs test files in several processes at once.
  appendFileSync(file, `${JSON.stringify(row)}\n`);
}
