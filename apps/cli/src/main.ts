#!/usr/bin/env node
// istioctl's entry point: the process's arguments, environment and streams.

import { installCrashHandlers } from '@ambient-ts/process-guard';
import { readEnvironment } from './config.js';
import { runIstioctl, systemClock } from './istioctl.js';
import { clientBuildInfo } from './version/build-info.js';

// A bug that escapes ends the command with an error and status 1, never a hang.
installCrashHandlers({
  component: 'istioctl',
  log: (fields) => {
    process.stderr.write(`Error: ${fields.error}\n`);
  },
});

// `istioctl waypoint list | head -1`: a closed pipe ends the command quietly, as in Go.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const exitCode = await runIstioctl(process.argv.slice(2), {
  environment: readEnvironment(),
  out: {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  },
  clock: systemClock,
  buildInfo: clientBuildInfo(process.version),
});
process.exitCode = exitCode;
