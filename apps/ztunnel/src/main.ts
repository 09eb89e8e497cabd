// ztunnel's entry point: config from the environment, logging, the
// composition, and signals. SIGTERM drains (listeners close at once, open
// connections get CONNECTION_TERMINATION_DEADLINE) and exits.

import { installCrashHandlers } from '@ambient-ts/process-guard';
import { ConfigError, loadConfig } from './config.js';
import { LogManager } from './telemetry/logging.js';
import { Ztunnel } from './ztunnel.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ztunnel: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logs = new LogManager({ format: config.logFormat, directives: config.logLevel });
  const log = logs.scope('ztunnel');
  // A bug that escapes is a logged restart, never a silent hang.
  installCrashHandlers({
    component: 'ztunnel',
    log: (fields, msg) => {
      log.error(fields, msg);
    },
    flush: () => {
      logs.flush();
    },
  });
  const shutdown = (why: string): void => {
    log.info(
      { why, deadlineMs: config.terminationDeadlineMs },
      'shutting down; draining connections',
    );
    void ztunnel.close().then(() => {
      log.info({}, 'shutdown complete');
      logs.flush();
      process.exit(0);
    });
  };
  const ztunnel: Ztunnel = new Ztunnel(config, {
    logs,
    onQuit: () => {
      shutdown('/quitquitquit');
    },
  });
  process.once('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.once('SIGINT', () => {
    shutdown('SIGINT');
  });
  const addrs = await ztunnel.start();
  log.info(
    {
      node: config.nodeName,
      admin: addrs.admin.port,
      stats: addrs.stats.port,
      readiness: addrs.readiness.port,
      inpodUds: config.inpodUds,
    },
    'ztunnel started',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`ztunnel: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
