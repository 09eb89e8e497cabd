#!/usr/bin/env node
// istiod's composition root: configuration, the logger, the Kubernetes client
// and the Istiod wiring; SIGTERM/SIGINT drain it through one AbortSignal.

// @peculiar/x509 (via the CA) needs the reflect polyfill before it loads.
import 'reflect-metadata';
import { KubeConfig } from '@kubernetes/client-node';
import { installCrashHandlers } from '@ambient-ts/process-guard';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { Istiod } from './istiod.js';
import { HttpKubeApi } from './kube/http-kube-api.js';

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`istiod: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const root = pino({ level: config.logLevel, base: { cluster: config.clusterId } });
  // A bug that escapes is a logged restart, never a silent hang.
  installCrashHandlers({
    component: 'istiod',
    log: (fields, msg) => {
      root.fatal(fields, msg);
    },
  });
  const kubeConfig = new KubeConfig();
  // In a pod: the service account; elsewhere: KUBECONFIG or ~/.kube/config.
  kubeConfig.loadFromDefault();
  const api = new HttpKubeApi(kubeConfig);
  const istiod = new Istiod({ config, api, logger: (component) => root.child({ component }) });
  const abort = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      root.info({ signal: sig }, 'shutting down');
      abort.abort();
    });
  }
  try {
    await istiod.start(abort.signal);
  } catch (error) {
    root.error({ error: (error as Error).message }, 'istiod failed to start');
    await istiod.close();
    api.close();
    return 1;
  }
  await new Promise<void>((resolve) => {
    abort.signal.addEventListener(
      'abort',
      () => {
        resolve();
      },
      { once: true },
    );
  });
  await istiod.close();
  api.close();
  root.info({}, 'istiod stopped');
  return 0;
}

process.exitCode = await main();
