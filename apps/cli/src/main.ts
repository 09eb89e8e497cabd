#!/usr/bin/env node
// istioctl's entry point: the process's arguments, environment and streams.

import { readEnvironment } from './config.js';
import { runIstioctl, systemClock } from './istioctl.js';
import { clientBuildInfo } from './version/build-info.js';

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
