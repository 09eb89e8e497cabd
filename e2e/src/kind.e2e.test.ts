// The same bookinfo scenario on kind, where Docker and kind exist.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, inject } from 'vitest';
import { readE2eEnv } from './config.js';
import { KindDriver } from './drivers/kind-driver.js';
import './provided.js';
import { consoleProgress } from '@ambient-ts/local-cluster';
import { AMBIENT_NOT_OPTED_IN, ambientScenario } from './scenarios/ambient.js';
import { bookinfoScenario } from './scenarios/bookinfo.js';
import { formatTimings, type Timings } from './timings.js';

const provided = inject('kindCluster');
if (provided.notRun) console.warn(`[e2e kind] bookinfo scenario NOT RUN: ${provided.notRun}`);
if (!provided.notRun && !readE2eEnv().ambient)
  console.warn(`[e2e kind] ambient scenario NOT RUN: ${AMBIENT_NOT_OPTED_IN}`);

describe.skipIf(provided.notRun !== undefined)('bookinfo on kind', () => {
  let driver: KindDriver | undefined;
  let failed = false;
  const timings: Timings = { ...provided.timings };
  const env = readE2eEnv();

  beforeAll(() => {
    driver = KindDriver.attach(provided.clusterName ?? '', provided.kubeconfig ?? '', {
      kind: env.kindBinary,
      docker: env.dockerBinary,
    });
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    console.log(formatTimings('kind', timings));
    await exportLogsIfFailed();
  }, 120_000);

  let exported = false;
  async function exportLogsIfFailed(): Promise<void> {
    if (!failed || exported || !driver) return;
    exported = true;
    const dir = path.join(env.artifactsDir, `kind-${Date.now()}`);
    await driver.exportLogs(dir);
    console.warn(`[e2e kind] a step failed; kind logs exported to ${dir}`);
  }

  bookinfoScenario({
    driver: () => {
      if (!driver) throw new Error('no kind driver (globalSetup failed?)');
      return driver;
    },
    timings,
    beforeCleanup: exportLogsIfFailed,
  });

  describe.skipIf(!env.ambient)('bookinfo in ambient mode (AMBIENT_E2E=1)', () => {
    ambientScenario({
      driver: () => {
        if (!driver) throw new Error('no kind driver (globalSetup failed?)');
        return driver;
      },
      timings,
      progress: consoleProgress('e2e kind ambient'),
      beforeCleanup: exportLogsIfFailed,
    });
  });
});
