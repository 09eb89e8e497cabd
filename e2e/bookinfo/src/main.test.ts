// The program as a runtime starts it: `main <app> [port]` with the image's environment.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('main', () => {
  it('runs the named app on the given port and stops cleanly on SIGTERM', async () => {
    const child = run(['reviews', '0'], { ENABLE_RATINGS: 'false', HOSTNAME: 'reviews-v1-cli' });
    let out = '';
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /listening on port (\d+)/.exec(out);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      child.once('exit', (code) => {
        reject(new Error(`exited ${String(code)}: ${out}`));
      });
    });
    const body = await (await fetch(`http://127.0.0.1:${port}/reviews/0`)).text();
    expect(body).toMatch(/^\{"id": "0","podname": "reviews-v1-cli","clustername": "null",/);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('exits 2 with a usage line for an unknown app', async () => {
    const child = run(['frontend']);
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(err).toContain('usage: main.js <productpage|details|ratings|reviews> [port]');
  });
});
