// Running our istioctl (apps/cli) against the scenario's cluster, as a user
// would from their shell: a child process with KUBECONFIG pointing at the
// cluster, from source (the same way `npm run istioctl` does).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { ClusterDriver } from '../drivers/cluster-driver.js';
import { REPO_ROOT } from '../repo.js';

export interface IstioctlResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function istioctl(
  driver: ClusterDriver,
  args: readonly string[],
  timeoutMs = 120_000,
): Promise<IstioctlResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'istioctl-e2e-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, driver.kubeConfig().exportConfig(), { mode: 0o600 });
  try {
    const r = await execa(
      process.execPath,
      ['--conditions=@ambient-ts/source', '--import', 'tsx', 'apps/cli/src/main.ts', ...args],
      { cwd: REPO_ROOT, env: { KUBECONFIG: kubeconfig }, reject: false, timeout: timeoutMs },
    );
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
