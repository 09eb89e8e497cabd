// Prints what proves an edge: for each bookinfo call, the newest outbound
// `connection complete` line and the inbound line of the same connection, as
// ztunnel logged them, with the ztunnel and node that logged each. Pure.
import type { EdgeReport, ZtunnelLine } from './identity-edges.js';

function newest(lines: readonly ZtunnelLine[]): ZtunnelLine | undefined {
  return lines.filter((l) => l.error === undefined).at(-1) ?? lines.at(-1);
}

/** The inbound line of the same connection: same CONNECT authority, closest in time. */
function peerOf(out: ZtunnelLine, inbound: readonly ZtunnelLine[]): ZtunnelLine | undefined {
  const t = Date.parse(out.time ?? '');
  const same = inbound.filter((l) => l.hboneAddr === out.hboneAddr && l.error === undefined);
  if (same.length === 0 || Number.isNaN(t)) return newest(inbound);
  return same.reduce((best, l) =>
    Math.abs(Date.parse(l.time ?? '') - t) < Math.abs(Date.parse(best.time ?? '') - t) ? l : best,
  );
}

export function formatEdgeReports(reports: readonly EdgeReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    const total = `${r.outbound.length} outbound, ${r.inbound.length} inbound lines`;
    lines.push(`${r.edge.from} → ${r.edge.to} (${total})`);
    lines.push(`  expected src.identity=${r.expectedSrc}`);
    lines.push(`  expected dst.identity=${r.expectedDst}`);
    const out = newest(r.outbound);
    const inb = out ? peerOf(out, r.inbound) : newest(r.inbound);
    for (const [side, l] of [
      ['outbound', out],
      ['inbound', inb],
    ] as const) {
      if (l) lines.push(`  ${side} on ${l.ztunnelNode} (${l.ztunnelPod}):`, `    ${l.raw}`);
    }
    for (const p of r.problems) lines.push(`  PROBLEM: ${p}`);
  }
  return lines.join('\n');
}
