// Starting and talking to helper processes.

import { fork, type ChildProcess } from 'node:child_process';
import type { FromRole, RoleSpec, ToRole } from './protocol.js';

export interface Helper {
  readonly name: string;
  readonly ports: number[];
  /** CPU time (user + system) the process has used so far, in microseconds. */
  cpuMicros(): Promise<number>;
  stop(): void;
}

function next(child: ChildProcess, kind: FromRole['kind']): Promise<FromRole> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: FromRole): void => {
      if (msg.kind === kind || msg.kind === 'failed') {
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (msg.kind === 'failed') reject(new Error(msg.message));
        else resolve(msg);
      }
    };
    const onExit = (code: number | null): void => {
      reject(new Error(`helper exited with ${code ?? 'signal'}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/**
 * Forks role-main.ts with this process's flags (tsx loader, source
 * conditions), plus a CPU profile per helper when `profileDir` is set.
 */
export async function startHelper(
  name: string,
  spec: RoleSpec,
  profileDir?: string,
): Promise<Helper> {
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${name}`] : [];
  const child = fork(new URL('./role-main.ts', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...profile],
  });
  const ready = next(child, 'ready');
  child.send({ kind: 'start', spec } satisfies ToRole);
  const msg = await ready;
  const ports = msg.kind === 'ready' ? msg.ports : [];
  return {
    name,
    ports,
    async cpuMicros() {
      const reply = next(child, 'cpu');
      child.send({ kind: 'cpu' } satisfies ToRole);
      const m = await reply;
      return m.kind === 'cpu' ? m.micros : 0;
    },
    stop() {
      child.disconnect();
    },
  };
}
