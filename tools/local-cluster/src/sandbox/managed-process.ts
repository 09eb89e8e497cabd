// A long-running child (etcd, a control-plane component, a kubelet) with its
// output in a log file, restarted with backoff if it dies while the cluster is
// up — the way a kubelet restarts static pods — and stopped with SIGTERM, then
// SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ManagedProcessOptions {
  readonly name: string;
  readonly argv: readonly string[];
  readonly logPath: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called on every unexpected exit, before the restart. */
  readonly onExit?: (code: number | null, signal: NodeJS.Signals | null, restarts: number) => void;
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;
  private stopping = false;
  private restarts = 0;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly options: ManagedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get logPath(): string {
    return this.options.logPath;
  }

  async start(): Promise<void> {
    await mkdir(path.dirname(this.options.logPath), { recursive: true });
    this.log = createWriteStream(this.options.logPath, { flags: 'a' });
    this.spawnOnce();
  }

  private spawnOnce(): void {
    const [cmd, ...args] = this.options.argv;
    if (!cmd) throw new Error(`${this.options.name}: empty argv`);
    const log = this.log;
    if (!log) throw new Error(`${this.options.name}: start() not called`);
    log.write(`--- ${new Date().toISOString()} starting: ${this.options.argv.join(' ')}\n`);
    const child = spawn(cmd, args, {
      ...(this.options.env ? { env: this.options.env } : {}),
      cwd: this.options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    this.exited = new Promise((resolve) => {
      child.on('error', (err) => {
        log.write(`--- spawn error: ${err.message}\n`);
      });
      child.on('close', (code, signal) => {
        log.write(`--- ${new Date().toISOString()} exited code=${code} signal=${signal}\n`);
        resolve();
        if (this.stopping) return;
        this.restarts++;
        this.options.onExit?.(code, signal, this.restarts);
        // Back off like CrashLoopBackOff, capped so a flapping component
        // still recovers quickly once its dependency is back.
        const delay = Math.min(500 * 2 ** Math.min(this.restarts, 5), 10_000);
        void sleep(delay).then(() => {
          if (!this.stopping) this.spawnOnce();
        });
      });
    });
  }

  /** True while the current child has not exited. */
  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && this.running) {
      child.kill('SIGTERM');
      const killed = await Promise.race([
        this.exited.then(() => false),
        sleep(graceMs).then(() => true),
      ]);
      if (killed) {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
    await new Promise<void>((resolve) => {
      if (this.log) this.log.end(resolve);
      else resolve();
    });
  }
}
