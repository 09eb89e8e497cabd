// Real namespaces (root on Linux): what runs in the sandbox is invisible on the
// host and gone after close(). Skips visibly elsewhere.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxStartError } from './errors.js';
import { ContainerSandbox, leftoverEngineCgroups, liveSandboxPids, sandboxed } from './sandbox.js';

const canRun = process.platform === 'linux' && process.getuid?.() === 0;
if (!canRun) console.warn('[container-sandbox] namespace tests NOT RUN: need root on Linux');

function hostNetns(): string {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
}

describe.skipIf(!canRun)('container sandbox', () => {
  let sb: ContainerSandbox;
  beforeAll(async () => {
    sb = await ContainerSandbox.start({ store: 'unit-test' });
  });
  afterAll(async () => {
    await sb?.close();
  });

  it('runs commands in its own network namespace with only loopback', async () => {
    const r = await sb.run(['ip', '-o', 'link']);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain('lo:');
  });

  it('keeps network namespaces it creates off the host /run/netns', async () => {
    const name = `sbtest-${process.pid}`;
    await sb.run(['ip', 'netns', 'add', name]);
    expect((await sb.run(['ip', 'netns', 'list'])).stdout).toContain(name);
    expect(hostNetns()).not.toContain(name);
    expect(existsSync(`/run/netns/${name}`)).toBe(false);
  });

  it('gives kind an empty /lib/modules without creating one on the host', async () => {
    const r = await sb.run(['sh', '-c', 'test -d /lib/modules && echo yes']);
    expect(r.stdout.trim()).toBe('yes');
    if (!existsSync('/lib/modules')) {
      // The host had none before: it must still have none.
      expect(existsSync('/lib/modules')).toBe(false);
    }
  });

  it('points podman at the private store, runc and the private network dir', async () => {
    const r = await sb.run([
      'podman',
      'info',
      '--format',
      '{{.Host.OCIRuntime.Name}}|{{.Store.GraphRoot}}|{{.Host.CgroupManager}}',
    ]);
    const [runtime, graphRoot, cgroups] = r.stdout.trim().split('|');
    expect(runtime).toBe('runc');
    expect(graphRoot).toMatch(/ambient-ts\/containers\/unit-test\/storage$/);
    expect(cgroups).toBe('cgroupfs');
  });

  it('forwards a host loopback port to a port inside the sandbox', async () => {
    await sb.run([
      'sh',
      '-c',
      `${process.execPath} -e "require('node:net').createServer((c) => c.end('inside')).listen(7811, '127.0.0.1')" >/dev/null 2>&1 &`,
    ]);
    await new Promise((r) => setTimeout(r, 500));
    const fwd = await sb.forwardTcp(7811);
    const got = await new Promise<string>((resolve, reject) => {
      const c = net.connect(fwd.port, '127.0.0.1');
      let data = '';
      c.on('data', (d) => (data += d.toString()));
      c.on('end', () => {
        resolve(data);
      });
      c.on('error', reject);
    });
    expect(got).toBe('inside');
    await fwd.close();
  });

  it('lets another process attach by handle, and refuses a pid that is not a sandbox', async () => {
    const other = ContainerSandbox.attach(sb.handle);
    expect((await other.run(['hostname'])).stdout.trim()).toBe('sandbox-unit-test');
    expect(() => ContainerSandbox.attach({ pid: process.pid, store: 'x' })).toThrow(
      SandboxStartError,
    );
  });
});

describe.skipIf(!canRun)('container sandbox end', () => {
  it('kills everything inside and removes the engine cgroup dirs it left', async (ctx) => {
    const sb = await ContainerSandbox.start({ store: 'unit-test' });
    if ((await liveSandboxPids()).length > 1) {
      await sb.close();
      // The last sandbox to end removes the dirs; another one is alive now.
      console.warn('[container-sandbox] cgroup cleanup test NOT RUN: another sandbox is alive');
      ctx.skip();
    }
    const cg = `/sys/fs/cgroup/pids/libpod_parent/sbtest-${process.pid}`;
    await sb.run([
      'sh',
      '-c',
      `mkdir -p ${cg} && (sleep 600 & echo $! > ${cg}/cgroup.procs; echo started) >/dev/null 2>&1`,
    ]);
    expect(existsSync(cg)).toBe(true);
    const pid = sb.handle.pid;
    await sb.close();
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(cg)).toBe(false);
  });

  it('sandboxed() runs one command and ends', async () => {
    const r = await sandboxed(
      ['sh', '-c', 'echo $KIND_EXPERIMENTAL_PROVIDER; ip -o addr | wc -l'],
      {
        store: 'unit-test',
      },
    );
    expect(r.stdout.split('\n')[0]).toBe('podman');
  });
});

describe.skipIf(!canRun)('container sandbox terminated by an attached process', () => {
  it('ends the sandbox the owner started and leaves no engine cgroup dir', async (ctx) => {
    const owner = await ContainerSandbox.start({ store: 'unit-test' });
    if ((await liveSandboxPids()).length > 1) {
      await owner.close();
      console.warn('[container-sandbox] attached-terminate test NOT RUN: another sandbox is alive');
      ctx.skip();
    }
    await owner.run(['sh', '-c', `mkdir -p /sys/fs/cgroup/pids/kubepods/sbtest-${process.pid}`]);
    const other = ContainerSandbox.attach(owner.handle);
    await other.terminate();
    expect(existsSync(`/proc/${owner.handle.pid}/cmdline`)).toBe(false);
    expect(await leftoverEngineCgroups()).toEqual([]);
    await owner.close();
  });
});
