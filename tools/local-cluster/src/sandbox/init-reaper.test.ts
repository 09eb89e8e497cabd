// The sandbox init in a real pid namespace (root): orphans are reaped, a
// SIGTERM from outside reaches the supervisor, and the init exits with the
// supervisor's status.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { sandboxInitArgv } from './init-reaper.js';

const notRoot = process.getuid?.() !== 0;
if (notRoot) console.warn('[local-cluster] sandbox init test NOT RUN: needs root (pid namespaces)');

/** Zombies in the namespace as `ps` inside it sees them, printed by the "supervisor". */
const COUNT_ZOMBIES = "ps -eo stat= | grep -c '^Z' || true";

function inPidNamespace(argv: readonly string[]): string[] {
  return ['--pid', '--fork', '--mount', '--mount-proc', '--kill-child', '--', ...argv];
}

describe.skipIf(notRoot)('the sandbox init (pid 1 of the sandbox)', () => {
  it('reaps processes orphaned inside the namespace', async () => {
    // The "supervisor" leaves ten orphans that exit at once, gives pid 1 time
    // to reap them, then counts zombies.
    const supervisor = `for i in 1 2 3 4 5 6 7 8 9 10; do (sh -c 'exit 0' &); done; sleep 0.5; ${COUNT_ZOMBIES}`;
    const r = await execa('unshare', inPidNamespace(sandboxInitArgv(['sh', '-c', supervisor])));
    expect(r.stdout.trim()).toBe('0');
  });

  it('the same orphans stay zombies when pid 1 does not reap (the bug this fixes)', async () => {
    // Control: with a non-reaping pid 1 (sh exec'ing a sleep-then-count
    // program, like Node) the count is not zero, so the test above can fail.
    const supervisor = `for i in 1 2 3 4 5 6 7 8 9 10; do (sh -c 'exit 0' &); done; sleep 0.5; ${COUNT_ZOMBIES}`;
    const r = await execa(
      'unshare',
      inPidNamespace(['sh', '-c', `sh -c "${supervisor.replace(/"/g, '\\"')}" & exec sleep 2`]),
      { reject: false, timeout: 10_000 },
    );
    // The counting sh is not pid 1's waited-for job; its output still arrives.
    expect(Number(r.stdout.trim())).toBeGreaterThan(0);
  });

  it('forwards SIGTERM to the supervisor and exits with its status', async () => {
    const supervisor =
      "trap 'echo got-term; exit 7' TERM; echo started; while :; do sleep 0.1; done";
    const child = spawn('unshare', inPidNamespace(sandboxInitArgv(['sh', '-c', supervisor])), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for (let i = 0; i < 50 && !out.includes('started'); i++) await sleep(100);
    // unshare --fork: its only child is the init (pid 1 inside).
    const init = Number(
      (await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')).trim(),
    );
    process.kill(init, 'SIGTERM');
    expect(await exited).toBe(7);
    expect(out).toContain('got-term');
  });
});
