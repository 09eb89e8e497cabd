// The bookinfo scenario on the local cluster (root + Linux), the ambient
// scenario (unless AMBIENT_E2E=0), then the check that destroying the cluster
// leaves the host's network as it was.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { consoleProgress, hostNetworkDiff } from '@ambient-ts/local-cluster';
import { readE2eEnv } from './config.js';
import { LocalDriver } from './drivers/local-driver.js';
import './provided.js';
import { AMBIENT_NOT_OPTED_IN, ambientScenario } from './scenarios/ambient.js';
import { bookinfoScenario } from './scenarios/bookinfo.js';
import { formatTimings, type Timings } from './timings.js';

const provided = inject('localCluster');
const env = readE2eEnv();
if (provided.notRun) console.warn(`[e2e local] bookinfo scenario NOT RUN: ${provided.notRun}`);
if (!provided.notRun && !env.ambient)
  console.warn(`[e2e local] ambient scenario NOT RUN: ${AMBIENT_NOT_OPTED_IN}`);

describe.skipIf(provided.notRun !== undefined)('bookinfo on the local cluster', () => {
  let driver: LocalDriver | undefined;
  let failed = false;
  const timings: Timings = { ...provided.timings };

  beforeAll(async () => {
    driver = await LocalDriver.attach(provided.clusterName ?? '');
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(() => {
    console.log(formatTimings('local', timings));
  });

  let exported = false;
  async function exportLogsIfFailed(): Promise<void> {
    if (!failed || exported || !driver) return;
    exported = true;
    const dir = path.join(env.artifactsDir, `local-${Date.now()}`);
    await driver.exportLogs(dir);
    console.warn(`[e2e local] a step failed; cluster logs and pod state copied to ${dir}`);
  }

  bookinfoScenario({
    driver: () => {
      if (!driver) throw new Error('no local cluster driver (globalSetup failed?)');
      return driver;
    },
    timings,
    beforeCleanup: exportLogsIfFailed,
  });

  describe.skipIf(!env.ambient)('bookinfo in ambient mode', () => {
    ambientScenario({
      driver: () => {
        if (!driver) throw new Error('no local cluster driver (globalSetup failed?)');
        return driver;
      },
      timings,
      progress: consoleProgress('e2e local ambient'),
      beforeCleanup: exportLogsIfFailed,
    });
  });

  it(
    'leaves the host network namespaces, interfaces, routes and iptables unchanged once destroyed',
    async () => {
      if (!driver) throw new Error('no local cluster driver');
      await exportLogsIfFailed();
      const started = Date.now();
      await driver.destroy();
      timings['cluster destroy'] = Date.now() - started;
      await expect(stat(driver.cluster.stateDir)).rejects.toThrow(/ENOENT/);
      expect(await hostNetworkDiff(provided.hostBefore!)).toEqual([]);
    },
    3 * 60_000,
  );
});
