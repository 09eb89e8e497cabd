import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterLayout, nodeLayout } from './control-plane/layout.js';
import { findContainerPid, nsenterArgv, PodNotRunningError } from './exec.js';
import { planNodes } from './network/plan.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'exec-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeState(node: string, podDir: string, state: object, mtime: Date): Promise<void> {
  const d = path.join(nodeLayout(clusterLayout(dir), node).kubeletStateDir, 'pods', podDir);
  await mkdir(d, { recursive: true });
  await writeFile(path.join(d, 'state.json'), JSON.stringify(state));
  await utimes(path.join(d, 'state.json'), mtime, mtime);
}

describe('finding a container to exec in', () => {
  const nodes = planNodes(2);

  it("takes the main pid of the pod's first non-init container from the newest state.json on any node", async () => {
    await writeState(
      'node-1',
      'default_curl_old',
      { containers: [{ name: 'curl', pid: 11, state: 'running' }] },
      new Date(1000_000),
    );
    await writeState(
      'node-2',
      'default_curl_new',
      {
        containers: [
          { name: 'setup', init: true, state: 'exited' },
          { name: 'curl', pid: 42, state: 'running' },
        ],
      },
      new Date(2000_000),
    );
    await writeState(
      'node-2',
      'default_curl-2_x',
      { containers: [{ name: 'curl', pid: 7, state: 'running' }] },
      new Date(3000_000),
    );
    expect(await findContainerPid(clusterLayout(dir), nodes, 'default', 'curl')).toEqual({
      pid: 42,
      node: 'node-2',
      container: 'curl',
    });
  });

  it('says when the pod has no state, the container does not exist or is not running', async () => {
    await expect(findContainerPid(clusterLayout(dir), nodes, 'default', 'nope')).rejects.toThrow(
      /no runtime state for pod default\/nope/,
    );
    await writeState(
      'node-1',
      'ns_p_u',
      { containers: [{ name: 'a', state: 'waiting' }] },
      new Date(),
    );
    await expect(findContainerPid(clusterLayout(dir), nodes, 'ns', 'p', 'b')).rejects.toThrow(
      /has no container b; it has a/,
    );
    await expect(findContainerPid(clusterLayout(dir), nodes, 'ns', 'p')).rejects.toThrow(
      PodNotRunningError,
    );
  });

  it('enters the sandbox mount+pid namespaces, then the container network+mount namespaces', () => {
    expect(nsenterArgv(100, 7, ['curl', '-s', 'x'])).toEqual([
      'nsenter',
      '-t',
      '100',
      '-m',
      '-p',
      '--',
      'nsenter',
      '-t',
      '7',
      '-n',
      '-m',
      '--',
      'curl',
      '-s',
      'x',
    ]);
  });
});
