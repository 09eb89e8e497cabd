// The host's network state that a cluster run must leave untouched: network
// namespaces, interfaces, routes and iptables rules. Taken before and after a
// run and compared; counters and timestamps are normalised away.
import { execa } from 'execa';

export interface HostNetworkSnapshot {
  readonly netns: readonly string[];
  readonly links: readonly string[];
  readonly routes: readonly string[];
  readonly iptables: readonly string[];
  readonly ip6tables: readonly string[];
}

/** iptables-save output without comments, and with packet/byte counters zeroed. */
export function normaliseIptablesSave(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]'));
}

/** `ip -o link` lines without the per-boot-varying parts that a cluster run cannot cause. */
export function normaliseLinks(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.replace(/\s+\\\s+/g, ' ').trim())
    .sort();
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

async function out(cmd: string, args: string[]): Promise<string> {
  const r = await execa(cmd, args, { reject: false });
  return r.exitCode === 0 ? r.stdout : `(${cmd} ${args.join(' ')} failed: ${r.stderr})`;
}

export async function snapshotHostNetwork(): Promise<HostNetworkSnapshot> {
  return {
    netns: lines(await out('ip', ['netns', 'list'])),
    links: normaliseLinks(await out('ip', ['-o', 'link'])),
    routes: lines(await out('ip', ['route', 'show', 'table', 'all'])),
    iptables: normaliseIptablesSave(await out('iptables-save', [])),
    ip6tables: normaliseIptablesSave(await out('ip6tables-save', [])),
  };
}

/** Human-readable differences ("+ added line", "- removed line" per aspect); empty when equal. */
export function diffSnapshots(before: HostNetworkSnapshot, after: HostNetworkSnapshot): string[] {
  const diffs: string[] = [];
  for (const key of ['netns', 'links', 'routes', 'iptables', 'ip6tables'] as const) {
    const a = new Set(before[key]);
    const b = new Set(after[key]);
    for (const l of before[key]) if (!b.has(l)) diffs.push(`${key}: - ${l}`);
    for (const l of after[key]) if (!a.has(l)) diffs.push(`${key}: + ${l}`);
  }
  return diffs;
}

/**
 * The diff against `before`, re-taken for up to `settleMs` until it is empty:
 * the kernel frees a dead sandbox's namespaces asynchronously, so the first
 * look right after teardown can still see them. A real leak persists.
 */
export async function hostNetworkDiff(
  before: HostNetworkSnapshot,
  settleMs = 15_000,
): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const diff = diffSnapshots(before, await snapshotHostNetwork());
    if (diff.length === 0 || Date.now() >= deadline) return diff;
    await new Promise((r) => setTimeout(r, 500));
  }
}
