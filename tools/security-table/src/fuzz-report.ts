import type { FuzzReportLine } from './fuzz-budget.js';

export function parseFuzzReport(text: string): FuzzReportLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as FuzzReportLine);
}

/** Executions per target (summed when a target ran in several tests), sorted by name. */
export function renderFuzzReport(lines: readonly FuzzReportLine[]): string {
  const byTarget = new Map<string, { executions: number; ms: number; interrupted: boolean }>();
  for (const l of lines) {
    const t = byTarget.get(l.target) ?? { executions: 0, ms: 0, interrupted: false };
    t.executions += l.executions;
    t.ms += l.ms;
    t.interrupted ||= l.interrupted;
    byTarget.set(l.target, t);
  }
  const out = ['| TARGET | EXECUTIONS | SECONDS | STOPPED BY |', '|---|---|---|---|'];
  for (const [target, t] of [...byTarget].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(
      `| ${target} | ${t.executions} | ${(t.ms / 1000).toFixed(1)} | ${t.interrupted ? 'time cap' : 'run count'} |`,
    );
  }
  return out.join('\n');
}
