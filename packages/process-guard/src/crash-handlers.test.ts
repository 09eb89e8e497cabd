import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CRASH_MESSAGE, installCrashHandlers, type CrashFields } from './crash-handlers.js';

const program = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'testing',
  'crashing-program.ts',
);

/** Runs the program as a real process, as main.ts runs, with Node flags that would let it live on. */
function run(kind: 'rejection' | 'exception', mode: 'guarded' | 'bare', nodeFlags: string[] = []) {
  return spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', program, kind, mode], {
    encoding: 'utf8',
    timeout: 15_000,
  });
}

describe('crash handlers in a real process', () => {
  it('an unhandled rejection is logged in the process’s format and exits 1, even under --unhandled-rejections=warn', () => {
    const r = run('rejection', 'guarded', ['--unhandled-rejections=warn']);
    expect(r.error).toBeUndefined(); // not killed by the timeout: it did not hang
    expect(r.status).toBe(1);
    const line = JSON.parse(r.stdout.trim().split('\n')[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'error',
      component: 'test-program',
      origin: 'unhandledRejection',
      error: 'Error: boom in a request path',
      msg: CRASH_MESSAGE,
    });
  });

  it('an uncaught exception is logged and exits 1', () => {
    const r = run('exception', 'guarded');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('"origin":"uncaughtException"');
    expect(r.stdout).toContain('boom in a callback');
  });

  it('without the handlers the same program hangs under --unhandled-rejections=warn (what the handlers prevent)', () => {
    const r = spawnSync(
      process.execPath,
      ['--unhandled-rejections=warn', '--import', 'tsx', program, 'rejection', 'bare'],
      {
        encoding: 'utf8',
        timeout: 3000,
      },
    );
    expect(r.signal).toBe('SIGTERM'); // killed by the timeout: still running
    expect(r.stdout).toBe('');
  });
});

describe('crash handlers (in process)', () => {
  it('log once and exit once even when the logger itself throws', () => {
    const exits: number[] = [];
    const lines: CrashFields[] = [];
    const remove = installCrashHandlers({
      component: 'c',
      log: (fields) => {
        lines.push(fields);
      },
      exit: (code) => exits.push(code),
    });
    try {
      process.emit('unhandledRejection', 'a string reason', Promise.resolve());
      process.emit('uncaughtException', new Error('second'));
    } finally {
      remove();
    }
    expect(exits).toEqual([1]);
    expect(lines).toEqual([
      { component: 'c', origin: 'unhandledRejection', error: 'non-error value: "a string reason"' },
    ]);
  });
});
