// The shared result shape and table printer for every benchmark suite: each
// suite measures one subject against baselines in the same run, and the
// table shows absolute figures plus subject/baseline ratios.

export type Unit = 'Gb/s' | 'µs' | 'ms' | 'CPU s/GiB' | 'CPU µs/op' | 'ops/s' | 'MiB';

export interface Variant {
  readonly id: string;
  readonly label: string;
}

export interface Measurement {
  readonly metric: string;
  readonly unit: Unit;
  /** Per variant id; missing means "not applicable". */
  readonly values: Readonly<Record<string, number | undefined>>;
}

export interface SuiteReport {
  readonly title: string;
  readonly variants: readonly Variant[];
  /** The variant the ratio columns are about (e.g. the HBONE pair). */
  readonly subject?: string;
  /** Ratio columns subject/baseline are printed for each of these. */
  readonly baselines?: readonly string[];
  readonly measurements: readonly Measurement[];
  readonly notes?: readonly string[];
}

export function formatValue(value: number | undefined, unit: Unit): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

export function formatRatio(subject: number | undefined, baseline: number | undefined): string {
  if (subject === undefined || baseline === undefined || baseline === 0) return '–';
  return `${(subject / baseline).toFixed(2)}×`;
}

/** Left-aligned first column, right-aligned others, columns padded to fit. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function renderReport(r: SuiteReport): string {
  const label = (id: string): string => r.variants.find((v) => v.id === id)?.label ?? id;
  const baselines = r.subject ? (r.baselines ?? []) : [];
  const header = [
    'metric',
    ...r.variants.map((v) => v.label),
    ...baselines.map((b) => `${label(r.subject ?? '')}/${label(b)}`),
  ];
  const rows = r.measurements.map((m) => [
    m.metric,
    ...r.variants.map((v) => formatValue(m.values[v.id], m.unit)),
    ...baselines.map((b) => formatRatio(m.values[r.subject ?? ''], m.values[b])),
  ]);
  const notes = (r.notes ?? []).map((n) => `  ${n}`);
  return [r.title, '', formatTable(header, rows), ...(notes.length ? ['', ...notes] : [])].join(
    '\n',
  );
}
