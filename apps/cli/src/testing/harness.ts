// Runs istioctl in-process against a FakeApiServer: a kubeconfig file that
// points at it, captured output, and a clock that never really sleeps.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureOutput } from '../cli/output.js';
import type { CliEnvironment } from '../config.js';
import type { Clock } from '../context.js';
import { runIstioctl } from '../istioctl.js';
import { clientBuildInfo } from '../version/build-info.js';
import { FAKE_TOKEN, FakeApiServer, type FakeApiServerOptions } from './fake-apiserver.js';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds the command slept. */
  readonly slept: number;
}

export class FakeClock implements Clock {
  private t = 0;
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.t += ms;
    return Promise.resolve();
  }
}

export interface Harness {
  readonly api: FakeApiServer;
  readonly kubeconfig: string;
  run(args: string): Promise<RunResult>;
  runArgv(argv: readonly string[], environment?: Partial<CliEnvironment>): Promise<RunResult>;
  close(): Promise<void>;
}

export async function startHarness(
  options: FakeApiServerOptions & { contextNamespace?: string } = {},
): Promise<Harness> {
  const api = new FakeApiServer(options);
  const server = await api.start();
  const dir = mkdtempSync(path.join(tmpdir(), 'istioctl-test-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: ${server}
users:
- name: tester
  user:
    token: ${FAKE_TOKEN}
contexts:
- name: fake
  context:
    cluster: fake
    user: tester${options.contextNamespace ? `\n    namespace: ${options.contextNamespace}` : ''}
- name: other
  context:
    cluster: fake
    user: tester
    namespace: other-ns
current-context: fake
`,
  );
  const runArgv = async (
    argv: readonly string[],
    environment: Partial<CliEnvironment> = {},
  ): Promise<RunResult> => {
    const out = captureOutput();
    const clock = new FakeClock();
    const code = await runIstioctl(argv, {
      environment: {
        kubeconfigPaths: [kubeconfig],
        homeKubeconfig: undefined,
        inCluster: false,
        istioNamespace: 'istio-system',
        ...environment,
      },
      out,
      clock,
      buildInfo: clientBuildInfo('v20.0.0'),
    });
    return { code, stdout: out.stdout(), stderr: out.stderr(), slept: clock.now() };
  };
  return {
    api,
    kubeconfig,
    run: (args) => runArgv(args.split(' ').filter((a) => a !== '')),
    runArgv,
    close: async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
