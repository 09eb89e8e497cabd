import { describe, expect, it } from 'vitest';
import {
  formatEntry,
  parseEntry,
  parseLogQuery,
  renderEntries,
  rfc3339Nano,
  selectEntries,
  splitOutput,
} from './cri-log.js';

const file = [
  formatEntry('2026-01-01T00:00:01.000000000Z', 'stdout', false, 'one'),
  formatEntry('2026-01-01T00:00:02.000000000Z', 'stderr', false, 'two'),
  formatEntry('2026-01-01T00:00:03.000000000Z', 'stdout', true, 'thr'),
  formatEntry('2026-01-01T00:00:03.100000000Z', 'stdout', false, 'ee'),
  formatEntry('2026-01-01T00:00:04.000000000Z', 'stdout', false, 'four'),
].join('');

describe('CRI log lines', () => {
  it('formats and parses entries', () => {
    expect(rfc3339Nano(Date.UTC(2026, 0, 1, 0, 0, 1, 5))).toBe('2026-01-01T00:00:01.005000000Z');
    expect(parseEntry('2026-01-01T00:00:01.005000000Z stderr F hello world')).toMatchObject({
      stream: 'stderr',
      partial: false,
      text: 'hello world',
    });
    expect(parseEntry('garbage')).toBeUndefined();
  });
  it('splits output into full lines and partial pieces, keeping the unterminated rest', () => {
    expect(splitOutput('he', 'llo\nwor')).toEqual({
      lines: [{ text: 'hello', partial: false }],
      rest: 'wor',
    });
    expect(splitOutput('', 'abcdefg\n', 3)).toEqual({
      lines: [
        { text: 'abc', partial: true },
        { text: 'def', partial: true },
        { text: 'g', partial: false },
      ],
      rest: '',
    });
  });
});

describe('log queries', () => {
  it('reads the apiserver query parameters', () => {
    const q = parseLogQuery(
      new URLSearchParams('follow=true&tailLines=5&timestamps=true&sinceSeconds=10&previous=false'),
      100_000,
    );
    expect(q).toEqual({
      follow: true,
      previous: false,
      timestamps: true,
      tailLines: 5,
      sinceMs: 90_000,
    });
  });
  it('renders all lines, joining partial pieces, with optional timestamps', () => {
    expect(renderEntries(selectEntries(file, { timestamps: false }), false).out).toBe(
      'one\ntwo\nthree\nfour\n',
    );
    expect(renderEntries(selectEntries(file, { timestamps: true }), true).out).toBe(
      '2026-01-01T00:00:01.000000000Z one\n2026-01-01T00:00:02.000000000Z two\n2026-01-01T00:00:03.000000000Z three\n2026-01-01T00:00:04.000000000Z four\n',
    );
  });
  it('keeps the last tailLines full lines', () => {
    expect(renderEntries(selectEntries(file, { timestamps: false, tailLines: 2 }), false).out).toBe(
      'three\nfour\n',
    );
    expect(renderEntries(selectEntries(file, { timestamps: false, tailLines: 1 }), false).out).toBe(
      'four\n',
    );
    expect(selectEntries(file, { timestamps: false, tailLines: 0 })).toEqual([]);
    expect(
      renderEntries(selectEntries(file, { timestamps: false, tailLines: 99 }), false).out,
    ).toBe('one\ntwo\nthree\nfour\n');
  });
  it('drops lines before sinceTime', () => {
    const since = Date.parse('2026-01-01T00:00:02.500Z');
    expect(
      renderEntries(selectEntries(file, { timestamps: false, sinceMs: since }), false).out,
    ).toBe('three\nfour\n');
  });
});
