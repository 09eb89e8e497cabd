#!/usr/bin/env node
// istio-cni node agent (the DaemonSet istio-cni-node's `install-cni` container).
import { pino } from 'pino';
import { installCrashHandlers } from '@ambient-ts/process-guard';
import { startAgent } from './agent.js';
import { loadConfig } from './config.js';
import { errorMessage } from './errors.js';

const config = loadConfig();
const log = pino({ name: 'istio-cni', level: config.logLevel, base: { node: config.nodeName } });
// A bug that escapes is a logged restart, never a silent hang.
installCrashHandlers({
  component: 'istio-cni',
  log: (fields, msg) => {
    log.fatal(fields, msg);
  },
});

startAgent(config, log).then(
  (agent) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'shutting down');
      agent.close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err: errorMessage(err) }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => {
      stop('SIGTERM');
    });
    process.on('SIGINT', () => {
      stop('SIGINT');
    });
  },
  (err: unknown) => {
    log.fatal({ err: errorMessage(err) }, 'istio-cni node agent failed to start');
    process.exit(1);
  },
);
