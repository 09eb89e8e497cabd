import type { AttackRow } from './attack-row.js';

const HEADERS = ['FINDING', 'ATTACK', 'SENT', 'HAPPENED'] as const;

/** A markdown table, sorted by finding then attack, so runs diff cleanly. */
export function renderAttackTable(rows: readonly AttackRow[]): string {
  const sorted = [...rows].sort(
    (a, b) =>
      a.finding.localeCompare(b.finding, 'en', { numeric: true }) ||
      a.attack.localeCompare(b.attack),
  );
  const cell = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const lines = [`| ${HEADERS.join(' | ')} |`, `|${HEADERS.map(() => '---').join('|')}|`];
  for (const r of sorted) {
    lines.push(`| ${[r.finding, r.attack, r.sent, r.happened].map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}
