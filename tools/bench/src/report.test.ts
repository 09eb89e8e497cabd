import { describe, expect, it } from 'vitest';
import { formatRatio, formatTable, formatValue, renderReport } from './report.js';

describe('benchmark report', () => {
  it('formats values with units and adaptive precision, and marks missing ones', () => {
    expect(formatValue(6.789, 'Gb/s')).toBe('6.79 Gb/s');
    expect(formatValue(42.25, 'µs')).toBe('42.3 µs');
    expect(formatValue(1234.5, 'µs')).toBe('1235 µs');
    expect(formatValue(undefined, 'ms')).toBe('–');
    expect(formatValue(Number.NaN, 'ms')).toBe('–');
  });

  it('prints ratios subject/baseline and dashes when one side is missing', () => {
    expect(formatRatio(2, 8)).toBe('0.25×');
    expect(formatRatio(300, 100)).toBe('3.00×');
    expect(formatRatio(undefined, 1)).toBe('–');
    expect(formatRatio(1, 0)).toBe('–');
  });

  it('aligns columns', () => {
    expect(
      formatTable(
        ['metric', 'a', 'bb'],
        [
          ['x', '1', '22'],
          ['longer', '333', '4'],
        ],
      ),
    ).toBe(['metric    a  bb', '------  ---  --', 'x         1  22', 'longer  333   4'].join('\n'));
  });

  it('renders one column per variant and one ratio column per baseline', () => {
    const text = renderReport({
      title: 'T',
      variants: [
        { id: 'd', label: 'direct' },
        { id: 'h', label: 'hbone' },
      ],
      subject: 'h',
      baselines: ['d'],
      measurements: [{ metric: 'throughput', unit: 'Gb/s', values: { d: 8, h: 2 } }],
      notes: ['n1'],
    });
    expect(text.split('\n')).toEqual([
      'T',
      '',
      'metric         direct      hbone  hbone/direct',
      '----------  ---------  ---------  ------------',
      'throughput  8.00 Gb/s  2.00 Gb/s         0.25×',
      '',
      '  n1',
    ]);
  });
});
