// Routes to other nodes' pod CIDRs and the egress masquerade chain, applied for real inside a
// private netns this test creates (root only), through the same commands the kubelet runs.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTools, runCommand, type CommandRunner } from '../src/commands.js';
import { reconcileMasquerade, reconcileRoutes, ROUTE_PROTO } from '../src/node-network.js';
import { MASQ_CHAIN } from '../src/node-routes.js';

/** Names in /run/netns (which `ip netns add` creates on first use). */
const namedNetns = (): string[] => (existsSync('/run/netns') ? readdirSync('/run/netns') : []);
const PREFIX = 'nkrt-';
const isRoot = process.getuid?.() === 0;

describe.runIf(isRoot)('node routes and masquerade in a node netns (root)', () => {
  const ns = `${PREFIX}${randomBytes(3).toString('hex')}`;
  const tools = findTools(process.env.PATH);
  // The kubelet runs inside the node netns; here its commands are entered into the test's.
  const run: CommandRunner = (argv, opts) =>
    runCommand([tools.nsenter, `--net=/run/netns/${ns}`, '--', ...argv], opts);
  const inNs = (...args: string[]): string =>
    execFileSync('ip', ['netns', 'exec', ns, ...args], { encoding: 'utf8' });

  beforeAll(() => {
    for (const n of namedNetns().filter((x) => x.startsWith(PREFIX)))
      execFileSync('ip', ['netns', 'delete', n]);
    execFileSync('ip', ['netns', 'add', ns]);
    inNs('ip', 'link', 'add', 'nkbr0', 'type', 'bridge');
    inNs('ip', 'addr', 'add', '172.31.251.2/24', 'dev', 'nkbr0');
    inNs('ip', 'link', 'set', 'nkbr0', 'up');
    // A route someone else owns, which reconciliation must leave alone.
    inNs('ip', 'route', 'add', '10.99.0.0/24', 'via', '172.31.251.9');
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'delete', ns]);
  });

  it('routes other nodes pod CIDRs via their IPs and removes routes of nodes that left', async () => {
    await reconcileRoutes(run, tools, [
      { cidr: '10.244.1.0/24', via: '172.31.251.3', node: 'b' },
      { cidr: '10.244.2.0/24', via: '172.31.251.4', node: 'c' },
    ]);
    const ours = (): string => inNs('ip', 'route', 'show', 'proto', ROUTE_PROTO);
    expect(ours()).toContain('10.244.1.0/24 via 172.31.251.3');
    expect(ours()).toContain('10.244.2.0/24 via 172.31.251.4');
    // node c left, node b moved
    await reconcileRoutes(run, tools, [{ cidr: '10.244.1.0/24', via: '172.31.251.5', node: 'b' }]);
    expect(ours().trim()).toBe('10.244.1.0/24 via 172.31.251.5 dev nkbr0');
    expect(inNs('ip', 'route', 'show')).toContain('10.99.0.0/24 via 172.31.251.9');
  });

  it('masquerades pod egress except to pod CIDRs, idempotently', async () => {
    await reconcileMasquerade(run, tools, ['10.244.0.0/24'], ['10.244.0.0/24', '10.244.1.0/24']);
    await reconcileMasquerade(
      run,
      tools,
      ['10.244.0.0/24'],
      ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24'],
    );
    const nat = inNs('iptables', '-w', '-t', 'nat', '-S');
    expect(
      nat.match(new RegExp(`-A POSTROUTING -s 10.244.0.0/24 .*-j ${MASQ_CHAIN}`, 'g')),
    ).toHaveLength(1);
    const chain = nat.split('\n').filter((l) => l.startsWith(`-A ${MASQ_CHAIN}`));
    expect(chain).toEqual([
      `-A ${MASQ_CHAIN} -d 10.244.0.0/24 -j RETURN`,
      `-A ${MASQ_CHAIN} -d 10.244.1.0/24 -j RETURN`,
      `-A ${MASQ_CHAIN} -d 10.244.2.0/24 -j RETURN`,
      `-A ${MASQ_CHAIN} -j MASQUERADE`,
    ]);
  });
});
