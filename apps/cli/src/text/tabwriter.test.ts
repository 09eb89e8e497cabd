import { describe, expect, it } from 'vitest';
import { WAYPOINT_TABLE, ZTUNNEL_CONFIG_TABLE, tabRows, tabwrite } from './tabwriter.js';

describe('tabwrite (Go text/tabwriter layout)', () => {
  it('pads every tab-terminated cell to the column width plus padding', () => {
    const text = tabRows([
      ['NAMESPACE', 'NAME', 'REVISION', 'TRAFFIC TYPE', 'PROGRAMMED'],
      ['default', 'waypoint', 'default', 'none', 'True'],
      ['fake', 'waypoint', 'default', 'none', 'True'],
    ]);
    expect(tabwrite(text, WAYPOINT_TABLE)).toBe(
      'NAMESPACE     NAME         REVISION     TRAFFIC TYPE     PROGRAMMED\n' +
        'default       waypoint     default      none             True\n' +
        'fake          waypoint     default      none             True\n',
    );
  });

  it('pads empty cells but never the text after the last tab (trailing spaces stay)', () => {
    const text = tabRows([
      ['NAME', 'STATUS', 'TYPE', 'REASON', 'MESSAGE'],
      ['waypoint', 'True', 'Programmed', '', ''],
    ]);
    expect(tabwrite(text, WAYPOINT_TABLE)).toBe(
      'NAME         STATUS     TYPE           REASON     MESSAGE\n' +
        'waypoint     True       Programmed                \n',
    );
  });

  it('computes widths per block: a line without a cell in a column ends that column', () => {
    const text = 'a\tbb\tc\nlong-one\td\nno tabs here\nx\ty\n';
    expect(tabwrite(text, { ...WAYPOINT_TABLE, padding: 1 })).toBe(
      'a        bb c\n' + 'long-one d\n' + 'no tabs here\n' + 'x y\n',
    );
  });

  it('a column of a shorter line is sized with the lines around it only while they share it', () => {
    // Column 1 exists only on lines 1 and 2; line 3 has just column 0.
    const text = 'a\tb\tend\naaa\tbbbbb\tend\nxxxxxxx\tend\n';
    expect(tabwrite(text, ZTUNNEL_CONFIG_TABLE)).toBe(
      'a       b     end\n' + 'aaa     bbbbb end\n' + 'xxxxxxx end\n',
    );
  });

  it('counts width in code points, as Go counts runes', () => {
    const text = tabRows([
      ['✅', 'x'],
      ['ab', 'y'],
    ]);
    expect(tabwrite(text, { ...WAYPOINT_TABLE, padding: 1 })).toBe('✅  x\nab y\n');
  });

  it('honours minWidth', () => {
    expect(tabwrite('a\tb\n', { ...WAYPOINT_TABLE, minWidth: 4, padding: 1 })).toBe('a   b\n');
  });

  it('keeps text without a trailing newline as the last line', () => {
    expect(tabwrite('a\tb\nc\td', { ...WAYPOINT_TABLE, padding: 1 })).toBe('a b\nc d');
  });

  it('rejects tab padding, which it does not implement', () => {
    expect(() => tabwrite('a\tb\n', { ...WAYPOINT_TABLE, padChar: '\t' })).toThrow(/tabs/);
  });
});

describe('tabwrite, unterminated last line', () => {
  it('drops an empty trailing cell at the end of the text, as a Go Flush does', () => {
    expect(tabwrite('NAMESPACE\tccc\t\nbb\twaypoint\t', WAYPOINT_TABLE)).toBe(
      'NAMESPACE     ccc     \nbb            waypoint',
    );
  });
});
