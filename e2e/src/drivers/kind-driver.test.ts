import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { apiserverPortOf, nodeNetworkScript, ptpConflist, withServerPort } from './kind-config.js';
import {
  exitCodeOf,
  KIND_POD_NETNS_SCRIPT,
  kindConfig,
  kindUnavailableReason,
  nodeAddresses,
} from './kind-driver.js';

describe('kind driver', () => {
  it('asks kind for one control plane and the requested workers', () => {
    const c = parse(kindConfig(2)) as { kind: string; nodes: { role: string }[] };
    expect(c.kind).toBe('Cluster');
    expect(c.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
  });

  it('uses our node image, no default CNI, and lets kubelet run on cgroup v1', () => {
    const c = parse(kindConfig({ workers: 1, image: 'localhost/n:1' })) as {
      networking: { disableDefaultCNI: boolean };
      kubeadmConfigPatches: string[];
      nodes: { role: string; image: string }[];
    };
    expect(c.networking.disableDefaultCNI).toBe(true);
    expect(c.nodes.map((n) => n.image)).toEqual(['localhost/n:1', 'localhost/n:1']);
    const patch = parse(c.kubeadmConfigPatches[0] ?? '') as { kind: string; failCgroupV1: boolean };
    expect(patch).toEqual({ kind: 'KubeletConfiguration', failCgroupV1: false });
  });

  it("writes each node's ptp conflist from its pod CIDR and routes the others' via them", async () => {
    const nodes = nodeAddresses({
      items: [
        {
          metadata: { name: 'k-control-plane' },
          spec: { podCIDR: '10.244.0.0/24' },
          status: { addresses: [{ type: 'InternalIP', address: '10.89.0.2' }] },
        },
        {
          metadata: { name: 'k-worker' },
          spec: { podCIDR: '10.244.1.0/24' },
          status: {
            addresses: [
              { type: 'Hostname', address: 'x' },
              { type: 'InternalIP', address: '10.89.0.3' },
            ],
          },
        },
      ],
    });
    expect(nodes[1]).toEqual({
      name: 'k-worker',
      podCidr: '10.244.1.0/24',
      internalIp: '10.89.0.3',
    });
    const script = nodeNetworkScript(nodes[0]!, nodes);
    expect(script).toContain('ip route replace 10.244.1.0/24 via 10.89.0.3');
    expect(script).not.toContain('10.244.0.0/24 via');
    const conf = JSON.parse(ptpConflist('10.244.0.0/24')) as {
      plugins: { type: string; ipam?: { ranges: { subnet: string }[][] } }[];
    };
    expect(conf.plugins.map((p) => p.type)).toEqual(['ptp', 'portmap']);
    expect(conf.plugins[0]?.ipam?.ranges[0]?.[0]?.subnet).toBe('10.244.0.0/24');
    // The heredoc really produces that JSON.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kind-cni-'));
    try {
      const local = script
        .replaceAll('/etc/cni/net.d', dir)
        .split('\n')
        .filter((l) => !l.startsWith('ip route'))
        .join('\n');
      await execa('sh', ['-c', local]);
      const written = await readFile(path.join(dir, '10-ambient-ts-ptp.conflist'), 'utf8');
      expect(JSON.parse(written)).toEqual(conf);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("points the kubeconfig at the sandbox forward's host port", () => {
    const kc = 'clusters:\n- cluster:\n    server: https://127.0.0.1:41234\n  name: kind-x\n';
    expect(apiserverPortOf(kc)).toBe(41234);
    expect(withServerPort(kc, 5555)).toContain('server: https://127.0.0.1:5555');
    expect(() => apiserverPortOf('server: https://10.0.0.1:6443')).toThrow(/127.0.0.1/);
  });

  it('reads the exit code from a pods/exec status', () => {
    expect(exitCodeOf(undefined)).toBe(-1);
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({
        status: 'Failure',
        details: { causes: [{ reason: 'ExitCode', message: '7' }] },
      }),
    ).toBe(7);
    expect(exitCodeOf({ status: 'Failure', message: 'container not found' })).toBe(1);
  });

  it('says why it cannot run when the tools are missing', async () => {
    const reason = await kindUnavailableReason((cmd) => cmd !== 'podman' && cmd !== 'mmdebstrap');
    if (process.platform === 'linux' && process.getuid?.() === 0)
      expect(reason).toMatch(/^missing podman, mmdebstrap \(apt-get install -y podman/);
    else expect(reason).toBeDefined();
  });

  it("enters the pod sandbox's netns that crictl reports on the node", async () => {
    // crictl and nsenter as the kind node has them, reduced to what the script asks.
    const bin = await mkdtemp(path.join(os.tmpdir(), 'kind-node-'));
    try {
      await writeFile(
        path.join(bin, 'crictl'),
        [
          '#!/bin/sh',
          'case "$1" in',
          '  pods) [ "$3" = curl-1 ] && [ "$5" = bi ] && echo 0123abc ;;',
          '  inspectp) echo \'{"info":{"runtimeSpec":{"linux":{"namespaces":[{"type":"network","path":"/var/run/netns/cni-42"}]}}}}\' ;;',
          'esac',
          '',
        ].join('\n'),
      );
      await writeFile(path.join(bin, 'nsenter'), '#!/bin/sh\necho "nsenter $*"\n');
      await chmod(path.join(bin, 'crictl'), 0o755);
      await chmod(path.join(bin, 'nsenter'), 0o755);
      const env = { PATH: `${bin}:${process.env['PATH'] ?? ''}` };
      const run = (pod: string) =>
        execa('sh', ['-c', KIND_POD_NETNS_SCRIPT, 'x', pod, 'bi', 'iptables-save', '-t', 'nat'], {
          env,
          reject: false,
        });
      expect((await run('curl-1')).stdout).toBe(
        'nsenter --net=/var/run/netns/cni-42 iptables-save -t nat',
      );
      const missing = await run('gone');
      expect(missing.exitCode).toBe(125);
      expect(missing.stderr).toBe('no ready pod sandbox bi/gone on this node');
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});
