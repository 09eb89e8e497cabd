// A multi-node, multi-pod topology of network namespaces, modelled on
// upstream's namespaced test harness: a hub namespace holds a bridge; each
// node is a namespace on the bridge; each pod is a namespace with a veth to
// its node (ptp style, /32 address, default route via the node).
//
//   hub  br0 198.18.0.1/24
//   node k   eth0 198.18.0.(10+k)/24, routes to other nodes' pod /24s
//   pod j on node k   eth0 198.19.k.(j+1)/32, default via 198.19.k.1
//
// Addresses are in 198.18.0.0/15 (reserved for benchmarking), and only exist
// inside namespaces this lab creates. Names carry `ztl<pid base 36>` so a
// crashed run's leftovers are recognised (their pid is gone) and swept.

import { execFileSync } from 'node:child_process';

const FAMILY = /^ztl([0-9a-z]+)-/;

function ip(args: readonly string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function inNs(ns: string, argv: readonly string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...argv], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces of this family whose creating process is gone. */
export function sweepStaleLabs(): void {
  for (const line of ip(['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = FAMILY.exec(name);
    if (!m?.[1]) continue;
    const pid = parseInt(m[1], 36);
    if (pid === process.pid || alive(pid)) continue;
    try {
      ip(['netns', 'del', name]);
    } catch {
      // Swept by someone else.
    }
  }
}

/** Why these tests cannot run here, or undefined. */
export const labUnavailable: string | undefined = (() => {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_SYS_ADMIN';
  try {
    execFileSync('iptables-restore', ['--version'], { stdio: 'ignore' });
    execFileSync('nsenter', ['--version'], { stdio: 'ignore' });
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iptables, nsenter (util-linux) or iproute2 is missing';
  }
  return undefined;
})();

export interface LabNode {
  readonly name: string;
  readonly index: number;
  readonly netns: string;
  readonly ip: string;
  pods: number;
}

export interface LabPod {
  readonly name: string;
  readonly node: LabNode;
  /** `ip netns` name; its file is /var/run/netns/<netns>. */
  readonly netns: string;
  readonly path: string;
  readonly ip: string;
}

let labs = 0;

export class NetnsLab {
  readonly prefix: string;
  readonly hub: string;
  readonly #namespaces: string[] = [];
  readonly #nodes = new Map<string, LabNode>();

  constructor() {
    sweepStaleLabs();
    this.prefix = `ztl${process.pid.toString(36)}-${labs++}`;
    this.hub = this.#netns('hub');
    ip(['-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', this.hub, 'addr', 'add', '198.18.0.1/24', 'dev', 'br0']);
    ip(['-n', this.hub, 'link', 'set', 'br0', 'up']);
  }

  #netns(label: string): string {
    const name = `${this.prefix}-${label}`;
    ip(['netns', 'add', name]);
    this.#namespaces.push(name);
    ip(['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  node(name: string): LabNode {
    const existing = this.#nodes.get(name);
    if (existing) return existing;
    const index = this.#nodes.size + 1;
    const netns = this.#netns(name);
    const nodeIp = `198.18.0.${10 + index}`;
    ip([
      'link',
      'add',
      `eth0`,
      'netns',
      netns,
      'type',
      'veth',
      'peer',
      'name',
      `n${index}`,
      'netns',
      this.hub,
    ]);
    ip(['-n', this.hub, 'link', 'set', `n${index}`, 'master', 'br0', 'up']);
    ip(['-n', netns, 'addr', 'add', `${nodeIp}/24`, 'dev', 'eth0']);
    ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
    for (const key of [
      'net.ipv4.ip_forward=1',
      'net.ipv4.conf.all.rp_filter=0',
      'net.ipv4.conf.default.rp_filter=0',
    ]) {
      inNs(netns, ['sysctl', '-qw', key]);
    }
    const node: LabNode = { name, index, netns, ip: nodeIp, pods: 0 };
    // Routes both ways between this node and every existing node's pod range.
    for (const other of this.#nodes.values()) {
      ip(['-n', netns, 'route', 'add', `198.19.${other.index}.0/24`, 'via', other.ip]);
      ip(['-n', other.netns, 'route', 'add', `198.19.${index}.0/24`, 'via', nodeIp]);
    }
    this.#nodes.set(name, node);
    return node;
  }

  pod(nodeName: string, name: string): LabPod {
    const node = this.node(nodeName);
    const j = ++node.pods;
    const podIp = `198.19.${node.index}.${j + 1}`;
    const netns = this.#netns(`${nodeName}-${name}`);
    ip([
      'link',
      'add',
      'eth0',
      'netns',
      netns,
      'type',
      'veth',
      'peer',
      'name',
      `p${j}`,
      'netns',
      node.netns,
    ]);
    ip(['-n', node.netns, 'addr', 'add', `198.19.${node.index}.1/32`, 'dev', `p${j}`]);
    ip(['-n', node.netns, 'link', 'set', `p${j}`, 'up']);
    ip(['-n', node.netns, 'route', 'add', `${podIp}/32`, 'dev', `p${j}`]);
    ip(['-n', netns, 'addr', 'add', `${podIp}/32`, 'dev', 'eth0']);
    ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
    ip(['-n', netns, 'route', 'add', `198.19.${node.index}.1`, 'dev', 'eth0', 'scope', 'link']);
    ip(['-n', netns, 'route', 'add', 'default', 'via', `198.19.${node.index}.1`, 'dev', 'eth0']);
    return { name, node, netns, path: `/var/run/netns/${netns}`, ip: podIp };
  }

  /** Deletes a pod's namespace (as if the pod went away). */
  deletePod(pod: LabPod): void {
    try {
      ip(['netns', 'del', pod.netns]);
    } catch {
      // Already gone.
    }
  }

  cleanup(): void {
    for (const name of this.#namespaces.splice(0).reverse()) {
      try {
        ip(['netns', 'del', name]);
      } catch {
        // Already gone.
      }
    }
  }
}
