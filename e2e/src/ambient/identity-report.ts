// Prints what proves an edge: for each bookinfo call, one outbound and one
// inbound `connection complete` line as ztunnel logged it, with the ztunnel
// and node that logged it. Pure.
import type { EdgeReport, ZtunnelLine } from './identity-edges.js';

function newest(lines: readonly ZtunnelLine[]): ZtunnelLine | undefined {
  return lines.filter((l) => l.error === undefined).at(-1) ?? lines.at(-1);
}

export function formatEdgeReports(reports: readonly EdgeReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    const total = `${r.outbound.length} outbound, ${r.inbound.length} inbound lines`;
    out.push(`${r.edge.from} → ${r.edge.to} (${total})`);
    out.push(`  expected src.identity=${r.expectedSrc}`);
    out.push(`  expected dst.identity=${r.expectedDst}`);
    for (const [side, lines] of [
      ['outbound', r.outbound],
      ['inbound', r.inbound],
    ] as const) {
      const l = newest(lines);
      if (l) out.push(`  ${side} on ${l.ztunnelNode} (${l.ztunnelPod}):`, `    ${l.raw}`);
    }
    for (const p of r.problems) out.push(`  PROBLEM: ${p}`);
  }
  return out.join('\n');
}
