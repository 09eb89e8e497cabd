// The waypoint's entry point (image istio/proxyv2; istiod's waypoint
// Deployment runs it with `proxy waypoint --domain … --serviceCluster …`):
// config from the environment, logging, the composition, and signals. SIGTERM
// stops accepting, lets open tunnels drain, and exits.

import pino from 'pino';
import { installCrashHandlers } from '@ambient-ts/process-guard';
import { ConfigError, loadConfig, type WaypointConfig } from './config.js';
import { Waypoint } from './waypoint.js';

async function main(): Promise<void> {
  let config: WaypointConfig;
  try {
    config = loadConfig(undefined, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`waypoint: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino({
    level: config.logLevel,
    messageKey: 'message',
    base: { scope: 'waypoint' },
  });
  // A bug that escapes is a logged restart, never a silent hang.
  installCrashHandlers({
    component: 'waypoint',
    log: (fields, msg) => {
      log.fatal(fields, msg);
    },
  });
  const waypoint = new Waypoint(config, { log });
  const shutdown = (why: string): void => {
    log.info(
      { why, deadlineMs: config.terminationDeadlineMs },
      'shutting down; draining connections',
    );
    const hardStop = setTimeout(() => process.exit(0), config.terminationDeadlineMs + 1000);
    hardStop.unref();
    void waypoint.close().then(() => {
      log.info({}, 'shutdown complete');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.once('SIGINT', () => {
    shutdown('SIGINT');
  });
  await waypoint.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`waypoint: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
