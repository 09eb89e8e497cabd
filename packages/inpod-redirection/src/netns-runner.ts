// Runs a command inside a network namespace given by path (a bind mount such as
// /var/run/netns/<name>, or /proc/<pid>/ns/net) with util-linux nsenter. Only
// the network namespace is entered: iptables and ip then see the pod's tables
// and routes, while files (the xtables lock, binaries) stay the node's.

import { spawn } from 'node:child_process';
import { NetnsCommandError } from './errors.js';

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** How the applier runs commands in a pod's namespace; injected so the cni-agent can bring its own. */
export interface NetnsCommandRunner {
  /** Resolves with the outcome whatever the exit code; rejects only when the command cannot run. */
  run(netns: string, argv: readonly string[], input?: string): Promise<CommandResult>;
}

export interface NsenterRunnerOptions {
  /** Default `nsenter` from PATH. */
  readonly nsenter?: string;
  /** Kill the command after this long. Default 30 s. */
  readonly timeoutMs?: number;
}

export function nsenterRunner(options: NsenterRunnerOptions = {}): NetnsCommandRunner {
  const nsenter = options.nsenter ?? 'nsenter';
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    run(netns, argv, input) {
      return new Promise<CommandResult>((resolve, reject) => {
        const child = spawn(nsenter, [`--net=${netns}`, '--', ...argv], {
          stdio: ['pipe', 'pipe', 'pipe'],
          timeout: timeoutMs,
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
        child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
        child.once('error', (err) => {
          reject(
            new NetnsCommandError(
              netns,
              argv,
              null,
              err.message,
              `is ${nsenter} (util-linux) installed and are we root (CAP_SYS_ADMIN)?`,
              { cause: err },
            ),
          );
        });
        child.once('close', (code, signal) => {
          resolve({
            stdout,
            stderr: signal ? `${stderr}killed by ${signal}` : stderr,
            exitCode: code ?? -1,
          });
        });
        child.stdin.on('error', () => undefined); // reported through the exit code
        child.stdin.end(input ?? '');
      });
    },
  };
}
