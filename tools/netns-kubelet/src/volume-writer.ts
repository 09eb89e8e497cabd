// Materializes a pod's volume plan on the node: emptyDir directories, ConfigMap/Secret/
// downwardAPI/projected files, hostPath checks, and service-account tokens from the
// TokenRequest API, refreshed at 80% of their lifetime as kubelet does.
import { chmod, mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VolumeError, errorMessage } from './errors.js';
import type { VolumePlan, TokenSpec } from './volume-plan.js';

export interface IssuedToken {
  readonly token: string;
  readonly expirationTimestamp: Date;
}

export interface TokenSource {
  request(args: {
    namespace: string;
    serviceAccount: string;
    audience?: string;
    expirationSeconds: number;
    podName: string;
    podUID: string;
  }): Promise<IssuedToken>;
}

export interface TokenOwner {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly podName: string;
  readonly podUID: string;
}

async function writeAtomic(file: string, content: Buffer | string, mode: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

async function checkHostPath(v: Extract<VolumePlan, { kind: 'hostPath' }>): Promise<void> {
  const st = await stat(v.dir).catch(() => undefined);
  const fail = (what: string): never => {
    throw new VolumeError(v.name, `hostPath type check failed: ${v.dir} is not ${what}`);
  };
  switch (v.type) {
    case '':
    case 'DirectoryOrCreate':
      if (!st) await mkdir(v.dir, { recursive: true, mode: 0o755 });
      else if (v.type === 'DirectoryOrCreate' && !st.isDirectory()) fail('a directory');
      return;
    case 'FileOrCreate':
      if (!st) {
        await mkdir(path.dirname(v.dir), { recursive: true });
        await (await open(v.dir, 'a', 0o644)).close();
      } else if (!st.isFile()) fail('a file');
      return;
    case 'Directory':
      if (!st?.isDirectory()) fail('a directory');
      return;
    case 'File':
      if (!st?.isFile()) fail('a file');
      return;
    case 'Socket':
      if (!st?.isSocket()) fail('a socket');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail('a character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail('a block device');
      return;
  }
}

export interface VolumeWriterOptions {
  readonly tokens: TokenSource;
  readonly onRefreshError: (volume: string, err: unknown) => void;
  readonly now?: () => number;
}

/** Writes volumes and keeps their tokens fresh until close(). */
export class VolumeWriter {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly opts: VolumeWriterOptions) {}

  async materialize(plans: readonly VolumePlan[], owner: TokenOwner): Promise<void> {
    for (const v of plans) {
      try {
        if (v.kind === 'emptyDir') {
          await mkdir(v.dir, { recursive: true });
          await chmod(v.dir, 0o777);
        } else if (v.kind === 'hostPath') {
          await checkHostPath(v);
        } else {
          await mkdir(v.dir, { recursive: true, mode: 0o755 });
          for (const f of v.files) await writeAtomic(path.join(v.dir, f.path), f.content, f.mode);
          for (const t of v.tokens) await this.writeToken(v.name, v.dir, t, owner);
        }
      } catch (err) {
        if (err instanceof VolumeError) throw err;
        throw new VolumeError(v.name, errorMessage(err));
      }
    }
  }

  /**
   * Rewrites ConfigMap/Secret/downwardAPI files whose content changed (kubelet's periodic
   * volume sync); tokens keep their own refresh. Returns the volumes that changed.
   */
  async refreshFiles(plans: readonly VolumePlan[]): Promise<string[]> {
    const changed: string[] = [];
    for (const v of plans) {
      if (v.kind !== 'files') continue;
      let touched = false;
      for (const f of v.files) {
        const file = path.join(v.dir, f.path);
        const current = await readFile(file).catch(() => undefined);
        if (current?.equals(f.content)) continue;
        await writeAtomic(file, f.content, f.mode);
        touched = true;
      }
      if (touched) changed.push(v.name);
    }
    return changed;
  }

  private async writeToken(
    volume: string,
    dir: string,
    t: TokenSpec,
    owner: TokenOwner,
  ): Promise<void> {
    const issued = await this.opts.tokens.request({
      namespace: owner.namespace,
      serviceAccount: owner.serviceAccount,
      ...(t.audience ? { audience: t.audience } : {}),
      expirationSeconds: t.expirationSeconds,
      podName: owner.podName,
      podUID: owner.podUID,
    });
    await writeAtomic(path.join(dir, t.path), issued.token, t.mode);
    const now = (this.opts.now ?? Date.now)();
    const lifetime = Math.max(issued.expirationTimestamp.getTime() - now, 0);
    this.schedule(Math.max(lifetime * 0.8, 1000), async () => {
      try {
        await this.writeToken(volume, dir, t, owner);
      } catch (err) {
        this.opts.onRefreshError(volume, err);
        this.schedule(10_000, () =>
          this.writeToken(volume, dir, t, owner).catch((e: unknown) => {
            this.opts.onRefreshError(volume, e);
          }),
        );
      }
    });
  }

  private schedule(ms: number, fn: () => Promise<void>): void {
    if (this.closed) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void fn();
      },
      Math.min(ms, 2 ** 31 - 1),
    );
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
