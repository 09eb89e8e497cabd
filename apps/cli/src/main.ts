#!/usr/bin/env node
// istioctl's entry point: the process's arguments, environment and streams.

import { readEnvironment } from './config.js';
import { runIstioctl, systemClock } from './istioctl.js';
import { clientBuildInfo } from './version/build-info.js';

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
