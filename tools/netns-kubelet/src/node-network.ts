// The node's network plumbing (our "kindnet"), in the node's own netns: the CNI conflist when
// the conf dir has none, routes to other nodes' pod CIDRs, and egress masquerade.
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandRunner, Tools } from './commands.js';
import { defaultConfList, pickConfFile } from './cni-config.js';
import { masqueradeJump, masqueradeRules, type PodRoute } from './node-routes.js';

/** Route protocol number marking routes this kubelet owns (so it never touches others). */
export const ROUTE_PROTO = '199';
export const CONF_FILE = '10-netns-kubelet.conflist';

/**
 * Writes our conflist unless the conf dir gets a network within waitMs (a network daemon,
 * such as the local cluster's supervisor, may write it); returns the file in use.
 */
export async function ensureCniConf(
  confDir: string,
  podCidrs: readonly string[],
  nodeRoot: string,
  waitMs = 0,
): Promise<{ file: string; written: boolean }> {
  await mkdir(confDir, { recursive: true });
  const deadline = Date.now() + waitMs;
  for (;;) {
    const existing = pickConfFile(await readdir(confDir));
    if (existing) return { file: path.join(confDir, existing), written: false };
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const file = path.join(confDir, CONF_FILE);
  const conf = defaultConfList(podCidrs, path.join(nodeRoot, 'var/lib/cni/networks'));
  await writeFile(`${file}.tmp`, `${JSON.stringify(conf, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return { file, written: true };
}

interface IpRoute {
  dst?: string;
  gateway?: string;
}

export async function reconcileRoutes(
  run: CommandRunner,
  tools: Tools,
  desired: readonly PodRoute[],
): Promise<void> {
  const out = await run([tools.ip, '-j', 'route', 'show', 'proto', ROUTE_PROTO]);
  const current = (JSON.parse(out.stdout || '[]') as IpRoute[]).filter((r) => r.dst);
  for (const r of desired) {
    if (current.some((c) => c.dst === r.cidr && c.gateway === r.via)) continue;
    await run([tools.ip, 'route', 'replace', r.cidr, 'via', r.via, 'proto', ROUTE_PROTO]);
  }
  for (const c of current) {
    if (!desired.some((r) => r.cidr === c.dst))
      await run([tools.ip, 'route', 'del', c.dst ?? '', 'proto', ROUTE_PROTO], { reject: false });
  }
}

export async function reconcileMasquerade(
  run: CommandRunner,
  tools: Tools,
  ownCidrs: readonly string[],
  allCidrs: readonly string[],
): Promise<void> {
  await run([tools.iptablesRestore, '--noflush', '-w'], { input: masqueradeRules(allCidrs) });
  for (const own of ownCidrs.filter((c) => !c.includes(':'))) {
    const rule = masqueradeJump(own);
    const check = await run([tools.iptables, '-w', '-t', 'nat', '-C', ...rule], { reject: false });
    if (check.exitCode !== 0) await run([tools.iptables, '-w', '-t', 'nat', '-A', ...rule]);
  }
}
