// istioctl as a function: a command line in, output and an exit code out.
// main.ts calls it with the process; tests call it with captured output, a
// fake clock and a kubeconfig that points at a fake API server.

import { runCommandLine } from './cli/program.js';
import type { Output } from './cli/output.js';
import type { Invocation } from './cli/spec.js';
import type { CliEnvironment } from './config.js';
import { createContext, type CliContext, type Clock, type KubeClientFactory } from './context.js';
import { HttpKubeClient } from './kube/http-kube-client.js';
import { loadKubeConfig } from './kube/kubeconfig.js';
import { rootCommand } from './root-command.js';
import type { BuildInfo } from './version/build-info.js';

export interface IstioctlDeps {
  readonly environment: CliEnvironment;
  readonly out: Output;
  readonly clock: Clock;
  readonly buildInfo: BuildInfo;
  /** Defaults to the HTTP client over the selected kubeconfig. */
  readonly kubeClientFactory?: KubeClientFactory;
}

export const httpKubeClientFactory =
  (userAgent: string): KubeClientFactory =>
  (settings) =>
    new HttpKubeClient(loadKubeConfig(settings.location, settings.context), {
      timeoutMs: settings.timeoutMs,
      userAgent,
      impersonate: settings.impersonate,
    });

/** Runs one istioctl command line (without the program name); resolves to the exit code. */
export function runIstioctl(argv: readonly string[], deps: IstioctlDeps): Promise<number> {
  const factory =
    deps.kubeClientFactory ?? httpKubeClientFactory(`istioctl/${deps.buildInfo.version}`);
  const contextOf = (i: Invocation): CliContext =>
    createContext(i.flags, deps.environment, factory, deps.clock);
  const root = rootCommand({
    istioNamespace: deps.environment.istioNamespace,
    buildInfo: deps.buildInfo,
    contextOf,
  });
  return runCommandLine(root, argv, deps.out);
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      setTimeout(resolve, ms);
    }),
};
