// The host-side half of a running cluster, a detached process:
//  - creates the sandbox: `unshare` new mount, network, pid, uts and ipc
//    namespaces with a reaping init as pid 1 and the supervisor its child;
//  - bridges host 127.0.0.1:<free port> to the apiserver's unix socket in the
//    state dir (the only way in: the apiserver's addresses exist only inside
//    the sandbox) and writes <stateDir>/kubeconfig for it;
//  - on SIGTERM, or when its owner process dies, stops the sandbox.
// No user namespace: we are root on the host, and inside one iptables-restore
// and sysctl writes of the CNI plugins and kube-proxy, ip netns bind mounts
// and the kubelet's hostPath/proc mounts would each need care; the pid and
// mount namespaces already give the cleanup guarantee (see README).
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeHostKubeconfig } from '../control-plane/credentials.js';
import { clusterLayout, type ClusterLayout } from '../control-plane/layout.js';
import { pidAlive } from '../build/dir-lock.js';
import { entryFile } from '../repo-paths.js';
import { parseStatus } from './events.js';
import { sandboxInitArgv } from './init-reaper.js';
import type { ClusterSpec } from './spec.js';

export const UNSHARE_ARGS = [
  '--mount',
  '--net',
  '--pid',
  '--uts',
  '--ipc',
  '--fork',
  '--mount-proc',
  '--propagation',
  'private',
  // If unshare itself is killed, the sandbox's pid 1 dies with it, and with
  // it everything inside.
  '--kill-child',
] as const;

export class Daemon {
  private readonly layout: ClusterLayout;
  private forwarder: net.Server | undefined;
  private unshare: ChildProcess | undefined;
  private sandboxPid: number | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly spec: ClusterSpec) {
    this.layout = clusterLayout(spec.stateDir);
  }

  async start(): Promise<void> {
    await writeFile(this.layout.daemonPid, String(process.pid));
    const port = await this.startForwarder();
    await writeHostKubeconfig(this.layout, this.spec.name, port);
    this.startSandbox();
    await this.recordSandboxPid();
    if (this.spec.ownerPid) this.watchOwner(this.spec.ownerPid);
  }

  private async startForwarder(): Promise<number> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.layout.apiserverSocket);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.forwarder = server;
    return (server.address() as net.AddressInfo).port;
  }

  private startSandbox(): void {
    const log = openSync(`${this.layout.logs}/supervisor.log`, 'a');
    // pid 1 is a small reaping init (init-reaper.ts) with the supervisor as
    // its one child: Node would leave every orphan in the sandbox a zombie.
    const argv = [
      ...UNSHARE_ARGS,
      '--',
      ...sandboxInitArgv([
        ...this.spec.nodeCommand,
        entryFile('sandbox/supervisor-main'),
        this.spec.stateDir,
      ]),
    ];
    const child = spawn('unshare', argv, { cwd: this.spec.repoRoot, stdio: ['ignore', log, log] });
    this.unshare = child;
    child.on('exit', (code, signal) => {
      void this.onSandboxExit(code, signal);
    });
  }

  /** The sandbox init's host pid (pid 1 inside): unshare's only child. */
  private async recordSandboxPid(): Promise<void> {
    const pid = this.unshare?.pid;
    if (!pid) throw new Error('unshare did not start');
    for (let i = 0; i < 100; i++) {
      const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
      const first = Number(children.trim().split(/\s+/)[0]);
      if (first > 0) {
        this.sandboxPid = first;
        await writeFile(this.layout.sandboxPid, String(first));
        return;
      }
      await sleep(50);
    }
    throw new Error(`cannot find the sandbox's pid 1 (child of unshare ${pid})`);
  }

  private watchOwner(ownerPid: number): void {
    const timer = setInterval(() => {
      if (!pidAlive(ownerPid)) {
        clearInterval(timer);
        void this.stop(`owner process ${ownerPid} is gone`);
      }
    }, 2000);
    timer.unref();
  }

  private async onSandboxExit(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const status = parseStatus(await readFile(this.layout.status, 'utf8').catch(() => ''));
    if (!this.stopping && status?.phase !== 'failed') {
      await writeFile(
        this.layout.status,
        JSON.stringify({
          phase: 'failed',
          t: status?.t ?? 0,
          error: `the sandbox exited unexpectedly (code ${code}, signal ${signal}); see ${this.layout.logs}/supervisor.log`,
        }),
      );
    }
    this.forwarder?.close();
    process.exit(0);
  }

  /** Stops the sandbox: SIGTERM to its pid 1 (graceful), SIGKILL after the grace period. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      process.stderr.write(`[daemon] stopping: ${reason}\n`);
      const pid = this.sandboxPid;
      if (pid && pidAlive(pid)) {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 90 && pidAlive(pid); i++) await sleep(500);
        // pid 1 of a pid namespace: killing it kills every process inside.
        if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
      }
      this.unshare?.kill('SIGKILL');
      this.forwarder?.close();
    })();
    return this.stopping;
  }
}
