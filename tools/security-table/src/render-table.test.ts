import { describe, expect, it } from 'vitest';
import { parseAttackRows } from './attack-row.js';
import { renderAttackTable } from './render-table.js';

describe('security table', () => {
  it('parses appended rows and renders them sorted by finding, pipes escaped', () => {
    const text = [
      JSON.stringify({ finding: '12.10', attack: 'b', sent: 'x|y', happened: '401' }),
      JSON.stringify({
        finding: '12.2',
        attack: 'a',
        sent: 'no token',
        happened: 'PERMISSION_DENIED',
      }),
      '',
    ].join('\n');
    const table = renderAttackTable(parseAttackRows(text)).split('\n');
    expect(table[0]).toBe('| FINDING | ATTACK | SENT | HAPPENED |');
    expect(table[2]).toBe('| 12.2 | a | no token | PERMISSION_DENIED |');
    expect(table[3]).toBe('| 12.10 | b | x\\|y | 401 |');
  });

  it('refuses a line without the four fields', () => {
    expect(() => parseAttackRows('{"finding":"1"}')).toThrow(/field attack missing/);
  });
});
