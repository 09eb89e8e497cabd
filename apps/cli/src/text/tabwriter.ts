// Go's text/tabwriter, for the layouts istioctl prints with it. Upstream's
// tables are part of the contract (scripts grep and cut them), so this follows
// Go's elastic-tabstop rules rather than a table library's: a cell is text
// terminated by a tab; the text after a line's last tab is not a cell and is
// printed as is; consecutive lines that have a cell in column k form a block,
// and that column is as wide as the block's widest cell plus padding (at
// least minWidth). Only the options istioctl uses are supported: padding with
// a character (never tabs), left alignment, no flags.

export interface TabwriterOptions {
  readonly minWidth: number;
  /** Only matters when padding with tabs, which istioctl never does; kept for the call sites' fidelity. */
  readonly tabWidth: number;
  readonly padding: number;
  readonly padChar: string;
}

/** The settings of `tabwriter.NewWriter(w, 0, 8, 5, ' ', 0)`: waypoint list/status, proxy-status. */
export const WAYPOINT_TABLE: TabwriterOptions = {
  minWidth: 0,
  tabWidth: 8,
  padding: 5,
  padChar: ' ',
};

/** `tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)`: ztunnel-config workloads/services/policies. */
export const ZTUNNEL_CONFIG_TABLE: TabwriterOptions = {
  minWidth: 0,
  tabWidth: 8,
  padding: 1,
  padChar: ' ',
};

type Line = readonly string[];

/** Formats text written to a Go tabwriter and flushed once. */
export function tabwrite(text: string, options: TabwriterOptions): string {
  if (options.padChar.length !== 1) {
    throw new TypeError(
      `tabwriter padChar must be one character, got ${JSON.stringify(options.padChar)}`,
    );
  }
  if (options.padChar === '\t') {
    throw new TypeError('tabwriter padding with tabs is not supported (istioctl pads with spaces)');
  }
  const lines: string[][] = text.split('\n').map((line) => line.split('\t'));
  // A newline terminates the cell it ends, even an empty one; a final flush
  // terminates only a non-empty one. So "a\tb\t" at the very end is two cells.
  const last = lines[lines.length - 1];
  if (last && last.length > 1 && last[last.length - 1] === '') last.pop();
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i] ?? [];
      let rendered = '';
      cells.forEach((cell, column) => {
        rendered += cell;
        const width = widths[column];
        if (width !== undefined)
          rendered += options.padChar.repeat(Math.max(0, width - runeCount(cell)));
      });
      out.push(rendered);
    }
  };

  // Go's Writer.format: recursive over columns, one block at a time.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let row = line0; row < line1; row++) {
      if (column >= cellCount(lines[row]) - 1) continue;
      writeLines(start, row);
      start = row;
      let width = options.minWidth;
      for (; row < line1 && column < cellCount(lines[row]) - 1; row++) {
        width = Math.max(width, runeCount(lines[row]?.[column] ?? '') + options.padding);
      }
      widths.push(width);
      format(start, row);
      widths.pop();
      start = row;
      row--; // the outer loop's increment must look at the line that ended the block
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}

/** Builds tabwriter input from rows of cells: each row is tab-separated and newline-terminated. */
export function tabRows(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => `${row.join('\t')}\n`).join('');
}

function cellCount(line: Line | undefined): number {
  return line?.length ?? 0;
}

// Go counts a cell's width in runes (code points), not bytes or UTF-16 units.
function runeCount(s: string): number {
  return Array.from(s).length;
}
