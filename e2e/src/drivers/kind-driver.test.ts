import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  exitCodeOf,
  KIND_POD_NETNS_SCRIPT,
  kindConfig,
  kindUnavailableReason,
} from './kind-driver.js';

describe('kind driver', () => {
  it('asks kind for one control plane and the requested workers', () => {
    const c = parse(kindConfig(2)) as { kind: string; nodes: { role: string }[] };
    expect(c.kind).toBe('Cluster');
    expect(c.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
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
    const reason = await kindUnavailableReason({
      kind: '/nonexistent/kind',
      docker: '/nonexistent/docker',
    });
    expect(reason).toMatch(/^kind is not installed/);
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
