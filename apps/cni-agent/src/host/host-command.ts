// Runs node-side commands (ipset, iptables) in the agent's own network namespace.
import { spawn } from 'node:child_process';
import type { HostCommandRunner } from './host-probe-snat.js';

export function hostCommandRunner(
  prefix: readonly string[] = [],
  timeoutMs = 30_000,
): HostCommandRunner {
  return (argv, input) =>
    new Promise((resolve, reject) => {
      const [cmd, ...args] = [...prefix, ...argv];
      if (cmd === undefined) {
        reject(new Error('empty command'));
        return;
      }
      const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      child.once('error', reject);
      child.once('close', (code) => {
        resolve({ exitCode: code ?? -1, stdout, stderr });
      });
      // A command that exits without reading stdin makes the write fail with EPIPE: harmless.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
}
